import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbMeshStore } from '#adapters/aws/dynamodb-mesh-store.ts';
import type { KubernetesClusterOptions } from '#adapters/aws/kubernetes-cluster.ts';
import { KubernetesMesh } from '#adapters/aws/kubernetes-mesh.ts';
import { LocalScheduler } from '#adapters/local/local-scheduler.ts';
import type { FunctionDeclaration } from '#domain/triggers.ts';
import type { ErrorReporter } from '#functions/http/http-handler.ts';
import { createMeshHandler } from '#functions/mesh/mesh.ts';
import { meshFunction } from '#functions/mesh/triggers.ts';
import { createMeshOpsHandler } from '#functions/mesh-ops/mesh-ops.ts';
import { meshOpsFunction } from '#functions/mesh-ops/triggers.ts';
import type { MeshConfig, MeshOpsPorts, MeshPorts, Ports, PublishingPorts, Wiring } from '#ports/ports.ts';
import { type ProbeAnswer, probesOf } from '#use-cases/drain-audit-outbox.ts';
import { meshObjectProbes } from '#use-cases/mesh/apply-objects.ts';
import { meshProbes } from '#use-cases/mesh/mesh-records.ts';
import type { LocalBus, LocalHandler } from './local-bus.ts';
import { SANDBOX_CLUSTER } from './seed.ts';

/**
 * The sandbox's mesh: `default` for a manifest that names no namespace (the seeded Deployments in
 * benefits and fema are not hms-sys's, and a manifest of the same name there is refused), and
 * `irs` for chapter 7's agency, so namespaces can be seen keeping agencies apart.
 */
export const SANDBOX_MESH_CONFIG: MeshConfig = {
  mode: 'sidecar',
  trustDomain: 'cluster.local',
  defaultNamespace: 'default',
  managedNamespaces: ['default', 'irs', 'benefits', 'fema'],
  defaultCluster: SANDBOX_CLUSTER,
  istioNamespace: 'istio-system',
};

export interface MeshSandboxOptions {
  bus: LocalBus;
  /** The sandbox's core ports (state, audit, the cluster, the alarm evaluator as metrics, the local bus's publisher). */
  ports: Ports & Pick<PublishingPorts, 'events'>;
  dynamo: DynamoDBClient;
  stateTable: string;
  /** The simulator over HTTPS, as the other cluster ports reach it. */
  kubernetes: KubernetesClusterOptions;
  /** Minutes between MeshTicks (1 in AWS). */
  tickMinutes: number;
  meshConfig?: Partial<MeshConfig>;
  reporter: ErrorReporter;
}

export interface MeshSandbox {
  /** The mesh function: apply and read routes. */
  handler: LocalHandler;
  /** The mesh-ops function: pause routes, schedules, the breaker alarm's event, one-shot MeshCommands. */
  opsHandler: LocalHandler;
  /** mesh-ops's ports: the mesh function's, with the scheduler and the event publisher. */
  ports: MeshOpsPorts;
  /** mesh-ops's own one-shot schedules: a pause's end, a breaker's close. */
  scheduler: LocalScheduler;
  /** How the mesh's audit intents are resolved (its records and the objects it applied), for the drain at start. */
  auditProbes: ProbeAnswer;
  tickNow(): Promise<unknown>;
  close(): void;
}

/** The declared schedule's period in minutes: the bus scales it to the sandbox's own period. */
function declaredRate(declaration: FunctionDeclaration, id: string): number {
  const trigger = declaration.triggers.find((t) => t.kind === 'schedule' && t.id === id);
  return trigger?.kind === 'schedule' ? trigger.rateMinutes : 1;
}

/**
 * The mesh and mesh-ops functions in the sandbox: their MeshCluster is the AWS adapter on the simulator
 * over HTTPS, their registry the state table in dynalite. The mesh function gets no scheduler and no
 * publisher, as in AWS; mesh-ops's one-shot schedules are a second LocalScheduler that invokes mesh-ops
 * on the local bus (as EventBridge Scheduler invokes it in AWS), and its schedules and the breaker
 * alarm's event reach it through the bus, as the mesh function's MeshPendingApplies reaches it. Both functions' routes are served by the sandbox's API server.
 */
export function startMeshSandbox(options: MeshSandboxOptions): MeshSandbox {
  const { bus, ports: core } = options;
  const { events, ...base } = core;
  const scheduler = new LocalScheduler({ clock: core.clock, fire: (payload) => bus.invoke(meshOpsFunction.name, opsHandler, payload) });
  const meshPorts: MeshPorts = {
    ...base,
    mesh: new KubernetesMesh(options.kubernetes),
    meshStore: new DynamoDbMeshStore({ client: options.dynamo, tableName: options.stateTable }),
    meshConfig: { ...SANDBOX_MESH_CONFIG, ...options.meshConfig },
  };
  const ports: MeshOpsPorts = { ...meshPorts, meshScheduler: scheduler, events };
  const handler = createMeshHandler(async () => ({ ports: meshPorts, controllerActor: 'role/hms-sys-mesh' }), options.reporter) as unknown as LocalHandler;
  const opsWiring: Wiring<MeshOpsPorts> = { ports, controllerActor: 'role/hms-sys-mesh-ops' };
  const opsHandler = createMeshOpsHandler(async () => opsWiring, options.reporter) as unknown as LocalHandler;
  bus.register(meshFunction, handler, options.tickMinutes / declaredRate(meshFunction, 'MeshPendingApplies'));
  bus.register(meshOpsFunction, opsHandler, options.tickMinutes / declaredRate(meshOpsFunction, 'MeshTick'));
  return {
    handler,
    opsHandler,
    ports,
    scheduler,
    auditProbes: probesOf(meshProbes(ports), meshObjectProbes(ports)),
    tickNow: () =>
      bus.invoke(meshOpsFunction.name, opsHandler, {
        id: `manual-mesh-tick-${Date.now()}`,
        'detail-type': 'Scheduled Event',
        source: 'aws.events',
        resources: ['arn:aws:events:local:000000000000:rule/MeshTick'],
        detail: {},
      }),
    close: () => scheduler.close(),
  };
}
