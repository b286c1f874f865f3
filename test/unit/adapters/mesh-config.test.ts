import { describe, expect, it } from 'vitest';
import { readMeshConfig, readMeshOpsConfig } from '#adapters/aws/mesh-config.ts';

const env = {
  HMS_MESH_NAMESPACES: 'benefits, irs ,',
  MESH_SCHEDULE_GROUP: 'hms-sys-mesh',
  MESH_FUNCTION_ARN: 'arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:hms-sys-mesh',
  SCHEDULER_ROLE_ARN: 'arn:aws-us-gov:iam::123456789012:role/hms-sys-scheduler',
  SCHEDULER_DLQ_ARN: 'arn:aws-us-gov:sqs:us-gov-west-1:123456789012:hms-sys-scheduler-dlq',
  EVENT_BUS_NAME: 'hms-sys',
};
const aws = { clusters: ['gov-prod', 'gov-dr'] };

describe("the mesh and mesh-ops functions' environment", () => {
  it('gives the mesh function the mesh alone: it needs no schedule group and no bus', () => {
    const config = readMeshConfig({ HMS_MESH_NAMESPACES: env.HMS_MESH_NAMESPACES }, aws);
    expect(config).toEqual({ mesh: readMeshOpsConfig(env, aws).mesh });
  });

  it('gives defaults for everything but the namespaces, the schedules and the bus', () => {
    const config = readMeshOpsConfig(env, aws);
    expect(config.mesh).toEqual({
      mode: 'sidecar',
      trustDomain: 'cluster.local',
      defaultNamespace: 'benefits',
      managedNamespaces: ['benefits', 'irs'],
      defaultCluster: 'gov-prod',
      istioNamespace: 'istio-system',
    });
    expect(config.scheduling).toEqual({
      groupName: 'hms-sys-mesh',
      targetArn: env.MESH_FUNCTION_ARN,
      roleArn: env.SCHEDULER_ROLE_ARN,
      deadLetterArn: env.SCHEDULER_DLQ_ARN,
    });
    expect(config.publishing).toEqual({ eventBusName: 'hms-sys' });
  });

  it('takes the mode, trust domain, default namespace, cluster, Istio namespace and KMS key it is given', () => {
    const config = readMeshOpsConfig(
      {
        ...env,
        HMS_MESH_MODE: 'ambient',
        HMS_MESH_TRUST_DOMAIN: 'gov.example',
        HMS_MESH_DEFAULT_NAMESPACE: 'irs',
        HMS_MESH_CLUSTER: 'gov-dr',
        HMS_ISTIO_NAMESPACE: 'istio-gov',
        SCHEDULER_KMS_KEY_ARN: 'arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/1',
      },
      aws,
    );
    expect(config.mesh).toMatchObject({
      mode: 'ambient',
      trustDomain: 'gov.example',
      defaultNamespace: 'irs',
      defaultCluster: 'gov-dr',
      istioNamespace: 'istio-gov',
    });
    expect(config.scheduling.kmsKeyArn).toMatch(/key\/1$/);
  });

  it('fails the cold start naming the variable that is missing or wrong', () => {
    const { HMS_MESH_NAMESPACES: _, ...noNamespaces } = env;
    expect(() => readMeshConfig(noNamespaces, aws)).toThrow('HMS_MESH_NAMESPACES is required');
    expect(() => readMeshConfig({ ...env, HMS_MESH_NAMESPACES: 'Benefits' }, aws)).toThrow(/HMS_MESH_NAMESPACES \(namespaces as DNS-1123/);
    expect(() => readMeshConfig({ ...env, HMS_MESH_DEFAULT_NAMESPACE: 'default' }, aws)).toThrow(/HMS_MESH_DEFAULT_NAMESPACE \(one of/);
    expect(() => readMeshConfig({ ...env, HMS_MESH_MODE: 'sidecars' }, aws)).toThrow(/HMS_MESH_MODE \(sidecar or ambient/);
    expect(() => readMeshConfig({ ...env, HMS_MESH_CLUSTER: 'elsewhere' }, aws)).toThrow(/HMS_MESH_CLUSTER \(one of HMS_CLUSTERS/);
    const { MESH_FUNCTION_ARN: __, ...noTarget } = env;
    expect(() => readMeshOpsConfig(noTarget, aws)).toThrow('MESH_FUNCTION_ARN is required');
    const { EVENT_BUS_NAME: ___, ...noBus } = env;
    expect(() => readMeshOpsConfig(noBus, aws)).toThrow('EVENT_BUS_NAME is required');
    expect(() => readMeshOpsConfig({ ...env, HMS_MESH_NAMESPACES: '' }, aws)).toThrow('HMS_MESH_NAMESPACES is required');
  });
});
