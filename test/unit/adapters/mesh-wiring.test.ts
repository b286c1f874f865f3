import { describe, expect, it } from 'vitest';
import { readAwsConfig } from '#adapters/aws/config.ts';
import { DynamoDbMeshStore } from '#adapters/aws/dynamodb-mesh-store.ts';
import { EventBridgePublisher } from '#adapters/aws/eventbridge-publisher.ts';
import { EventBridgeOneShotScheduler } from '#adapters/aws/eventbridge-scheduler.ts';
import { KubernetesMesh } from '#adapters/aws/kubernetes-mesh.ts';
import { readMeshConfig, readMeshOpsConfig } from '#adapters/aws/mesh-config.ts';
import { awsMeshOpsWiring } from '#adapters/aws/mesh-ops-wiring.ts';
import { awsMeshWiring } from '#adapters/aws/mesh-wiring.ts';

const env = {
  AWS_REGION: 'us-gov-west-1',
  STATE_TABLE: 'state',
  AUDIT_TABLE: 'audit',
  HMS_CLUSTERS: 'agency-prod',
  HMS_ACTOR: 'role/hms-sys-mesh',
  HMS_MESH_NAMESPACES: 'benefits,irs',
};
const opsEnv = {
  ...env,
  HMS_ACTOR: 'role/hms-sys-mesh-ops',
  MESH_SCHEDULE_GROUP: 'hms-sys-mesh',
  MESH_FUNCTION_ARN: 'arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:hms-sys-mesh-ops',
  SCHEDULER_ROLE_ARN: 'arn:aws-us-gov:iam::123456789012:role/hms-sys-scheduler',
  SCHEDULER_DLQ_ARN: 'arn:aws-us-gov:sqs:us-gov-west-1:123456789012:hms-sys-scheduler-dlq',
  EVENT_BUS_NAME: 'hms-sys',
};

describe("the mesh function's AWS wiring", () => {
  it('builds its ports from the config without calling AWS, once per container, with no scheduler or publisher', async () => {
    const config = readAwsConfig(env);
    const wiring = await awsMeshWiring(config, readMeshConfig(env, config));
    const { ports } = wiring;
    // One Kubernetes client serves the Cluster port (scale to min) and the MeshCluster port, limited to HMS_CLUSTERS.
    expect(ports.mesh).toBeInstanceOf(KubernetesMesh);
    expect(ports.cluster).toBe(ports.mesh);
    expect(ports.meshStore).toBeInstanceOf(DynamoDbMeshStore);
    expect(ports).not.toHaveProperty('meshScheduler');
    expect(ports).not.toHaveProperty('events');
    expect(ports.meshConfig).toMatchObject({ defaultNamespace: 'benefits', managedNamespaces: ['benefits', 'irs'], defaultCluster: 'agency-prod' });
    expect(wiring.controllerActor).toBe('role/hms-sys-mesh');
    expect(await awsMeshWiring(config, readMeshConfig(env, config))).toBe(wiring);
  });

  it('refuses, before any request, a cluster that is not in HMS_CLUSTERS', async () => {
    const config = readAwsConfig(env);
    const { ports } = await awsMeshWiring(config, readMeshConfig(env, config));
    const ref = { apiVersion: 'v1', kind: 'Service', namespace: 'benefits', name: 'receipt-svc' };
    await expect(ports.mesh.get('elsewhere', ref)).rejects.toThrow(/cluster elsewhere is not in HMS_CLUSTERS/);
  });
});

describe("the mesh-ops function's AWS wiring", () => {
  it('adds the one-shot schedules and the event publisher to the mesh ports, once per container', async () => {
    const config = readAwsConfig(opsEnv);
    const wiring = await awsMeshOpsWiring(config, readMeshOpsConfig(opsEnv, config));
    const { ports } = wiring;
    expect(ports.mesh).toBeInstanceOf(KubernetesMesh);
    expect(ports.meshStore).toBeInstanceOf(DynamoDbMeshStore);
    expect(ports.meshScheduler).toBeInstanceOf(EventBridgeOneShotScheduler);
    expect(ports.events).toBeInstanceOf(EventBridgePublisher);
    expect(wiring.controllerActor).toBe('role/hms-sys-mesh-ops');
    expect(await awsMeshOpsWiring(config, readMeshOpsConfig(opsEnv, config))).toBe(wiring);
  });
});
