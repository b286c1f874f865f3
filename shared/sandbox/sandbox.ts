import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDbAuditLog } from '#adapters/aws/dynamodb-audit-log.ts';
import { DynamoDbAuditOutbox } from '#adapters/aws/dynamodb-audit-outbox.ts';
import { dynamoDbClient } from '#adapters/aws/dynamodb-client.ts';
import { DynamoDbLedgerStore } from '#adapters/aws/dynamodb-ledger-store.ts';
import { DynamoDbStateStore } from '#adapters/aws/dynamodb-state-store.ts';
import { KubernetesCapacity } from '#adapters/aws/kubernetes-capacity.ts';
import { ensureTables, startDynalite } from '#adapters/local/dynalite-server.ts';
import { LocalDeadLetter } from '#adapters/local/local-dead-letter.ts';
import { LocalEventPublisher } from '#adapters/local/local-event-publisher.ts';
import { LocalScheduler } from '#adapters/local/local-scheduler.ts';
import { createApiHandler } from '#functions/api/api.ts';
import { auditDigestFunction } from '#functions/audit-digest/triggers.ts';
import { createBurstRunnerHandler } from '#functions/burst-runner/burst-runner.ts';
import { burstRunnerFunction } from '#functions/burst-runner/triggers.ts';
import { createCostApiHandler } from '#functions/cost-api/cost-api.ts';
import { costApiFunction } from '#functions/cost-api/triggers.ts';
import { httpRoutes } from '#functions/http-routes.ts';
import { meshFunction } from '#functions/mesh/triggers.ts';
import { meshOpsFunction } from '#functions/mesh-ops/triggers.ts';
import { createMeterHandler } from '#functions/meter/meter.ts';
import { meterFunction } from '#functions/meter/triggers.ts';
import { handler as openApiHandler } from '#functions/openapi/handler.ts';
import { createReconcilerHandler } from '#functions/reconciler/reconciler.ts';
import { reconcilerFunction } from '#functions/reconciler/triggers.ts';
import { createScalerHandler } from '#functions/scaler/scaler.ts';
import { scalerFunction } from '#functions/scaler/triggers.ts';
import { secretsApiFunction } from '#functions/secrets-api/triggers.ts';
import { systemClock } from '#ports/clock.ts';
import type { Ports, PublishingPorts, SchedulingPorts, Wiring } from '#ports/ports.ts';
import { probesOf } from '#use-cases/drain-audit-outbox.ts';
import { restoreRuleAlarms } from '#use-cases/restore-alarms.ts';
import { createApiServer } from './api-server.ts';
import { startAuditArchiveSandbox } from './audit-archive-sandbox.ts';
import { recoverAuditOutbox } from './audit-recovery.ts';
import { dbSecretRoutes } from './db-secrets.ts';
import { issueDevToken, loadOrCreateDevKey, TOKEN_PROFILES, verifyDevToken } from './dev-auth.ts';
import { trackRequests } from './graceful-close.ts';
import { HttpFunctionLimits, httpFunctions } from './http-concurrency.ts';
import { startSandboxKube } from './kube-access.ts';
import { LocalBus, type LocalHandler } from './local-bus.ts';
import { startMeshDataPlaneSandbox } from './mesh-data-plane-sandbox.ts';
import { startMeshSandbox } from './mesh-sandbox.ts';
import { startSandboxAlarms } from './sandbox-alarms.ts';
import { SANDBOX_CAPACITY, type Sandbox, type SandboxOptions } from './sandbox-options.ts';
import { sandboxRoutes } from './sandbox-routes.ts';
import { startSecretsSandbox } from './secrets-sandbox.ts';
import { SANDBOX_CLUSTER, seedDeployments, seedHpas } from './seed.ts';

export type { Sandbox, SandboxOptions } from './sandbox-options.ts';

const listen = (server: Server, port: number) =>
  new Promise<number>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new Error(`port ${port} on 127.0.0.1 is in use: stop the other sandbox, or start this one with --port or HMS_PORT`, { cause: err })
          : err,
      ),
    );
    server.listen(port, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
  });

/** Starts the embedded default: dynalite, the Kubernetes simulator, the alarm evaluator and the API. */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'hms-sys-'));
  const ownsDataDir = options.dataDir === undefined;
  // An RSA key takes 0.1-0.2 s to generate; make it while dynalite and the simulator start.
  const devKeyLoading = loadOrCreateDevKey(join(dataDir, 'dev-signing-key.json'));
  devKeyLoading.catch(() => undefined);
  const dynalite = await startDynalite(options.persistState === false ? {} : { dataDir: join(dataDir, 'dynamodb') });
  const dynamo = dynamoDbClient({ endpoint: dynalite.endpoint });
  const tables = { state: 'hms-sys-state', audit: 'hms-sys-audit' };
  await ensureTables(dynamo, tables);

  const podReadyDelayMs = options.podReadyDelayMs ?? 2_000;
  const capacity = { ...SANDBOX_CAPACITY, ...options.capacity };
  const clock = options.clock ?? systemClock;
  // The cluster persists beside dynalite (k8s-sim/persistence.ts); only a cluster started afresh gets the seed.
  const stateFile = options.persistState === false ? undefined : join(dataDir, 'k8s-sim.json');
  const meshRootCa = { notAfter: options.meshRootCaNotAfter };
  const kube = await startSandboxKube(dataDir, { podReadyDelayMs, capacity, clock, stateFile, meshRootCa });
  const { simulator: k8s, token: k8sToken } = kube;
  if (!k8s.resumed) {
    for (const d of seedDeployments) k8s.seedDeployment({ ...d });
    for (const h of seedHpas) k8s.seedHpa({ ...h });
  }

  const deadLetter = new LocalDeadLetter({ dataDir, clock });
  const bus = new LocalBus(deadLetter, {
    retryDelayMs: options.retryDelayMs ?? 200,
    ...('reservedConcurrency' in options ? { reservedConcurrency: options.reservedConcurrency } : {}),
    ...(options.throttleRetryMs === undefined ? {} : { throttleRetryMs: options.throttleRetryMs }),
  });
  // Alarms, their states and datapoints persist beside the cluster (alarms.json), resumed before the rules' alarms are put again.
  const alarmsFile = options.persistState === false ? undefined : join(dataDir, 'alarms.json');
  const { alarms, flush: flushAlarms } = startSandboxAlarms({ clock, emit: (event: unknown) => void bus.publish(event), stateFile: alarmsFile });

  const kubernetes = {
    endpointFor: async () => ({ url: k8s.url, caData: kube.caData }),
    tokenFor: async () => k8sToken,
    timeoutMs: options.clusterTimeoutMs ?? 2_000,
  };
  const events = new LocalEventPublisher({ clock, emit: (event) => void bus.publish(event) });
  let runner: LocalHandler | undefined;
  const scheduler = new LocalScheduler({ clock, fire: (payload) => bus.invoke('burst-runner', runner!, payload) });
  const wiring: Wiring<Ports & SchedulingPorts & PublishingPorts> = {
    controllerActor: 'role/hms-sys-scaler',
    ports: {
      store: new DynamoDbStateStore({ client: dynamo, tableName: tables.state }),
      ledger: new DynamoDbLedgerStore({ client: dynamo, tableName: tables.state }),
      nodeGroups: { maxNodes: async () => k8s.state.capacity.maxNodes },
      pricingRegion: options.pricingRegion ?? 'us-east-1',
      capacityTimings: { nodeProvisioningSeconds: capacity.nodeProvisioningDelayMs / 1000, podReadySeconds: podReadyDelayMs / 1000 },
      scheduler,
      events,
      audit: new DynamoDbAuditLog({ client: dynamo, tableName: tables.audit }),
      auditOutbox: new DynamoDbAuditOutbox({ client: dynamo, tableName: tables.audit }),
      metrics: alarms,
      cluster: new KubernetesCapacity(kubernetes),
      clock,
      knownClusters: [SANDBOX_CLUSTER],
    },
  };
  const auditArchive = await startAuditArchiveSandbox({
    dataDir,
    persist: options.persistState !== false,
    clock,
    bus,
    dynamo,
    auditTable: tables.audit,
    audit: wiring.ports.audit,
    auditOutbox: wiring.ports.auditOutbox,
    reporter: { error: (message, details) => console.error(message, details) },
    digestMinutes: options.digestMinutes ?? 60,
  });
  const wire = async () => wiring;
  const as = (actor: string) => async () => ({ ...wiring, controllerActor: `role/hms-sys-${actor}` });
  const reporter = { error: (message: string, details: Record<string, unknown>) => console.error(message, details) };
  const api = createApiHandler(wire, reporter) as unknown as LocalHandler;
  const scaler = createScalerHandler(wire) as unknown as LocalHandler;
  const outboxGraceSeconds = options.auditOutboxGraceSeconds;
  const reconciler = createReconcilerHandler(as('reconciler'), { outboxGraceSeconds }) as unknown as LocalHandler;
  const meter = createMeterHandler(as('meter')) as unknown as LocalHandler;
  runner = createBurstRunnerHandler(as('burst-runner')) as unknown as LocalHandler;
  const scheduleScale = (options.reconcileSeconds ?? 60) / 60;
  const evaluation = setInterval(() => void alarms.reevaluate().catch(() => undefined), (options.alarmEvaluationSeconds ?? 10) * 1000);
  evaluation.unref();
  bus.register(scalerFunction, scaler);
  bus.register(reconcilerFunction, reconciler, scheduleScale);
  bus.register(meterFunction, meter, (options.meterSeconds ?? 60) / 60);
  bus.register(burstRunnerFunction, runner, (options.burstTickSeconds ?? 5) / 60);
  // Every stored rule's alarms are put again as the API puts them: one the evaluator resumed keeps
  // its state, as an update does in CloudWatch; one it lacks (no alarms.json) starts in INSUFFICIENT_DATA.
  const restoredAlarms = await restoreRuleAlarms(wiring.ports);
  for (const { ruleId, error } of restoredAlarms.failed) reporter.error(`the alarms of rule ${ruleId} could not be restored`, { error });

  const secrets = await startSecretsSandbox({
    dataDir,
    persist: options.persistState !== false,
    clock,
    bus,
    events,
    store: wiring.ports.store,
    audit: wiring.ports.audit,
    auditOutbox: wiring.ports.auditOutbox,
    kubernetes,
    postgres: options.postgres ?? false,
    sweepMinutes: options.sweepMinutes ?? 15,
    revokeMinutes: options.revokeMinutes ?? 5,
    maxConcurrentRestarts: options.maxConcurrentRestarts ?? 3,
    outboxGraceSeconds,
  });
  const mesh = startMeshSandbox({
    bus,
    ports: wiring.ports,
    dynamo,
    stateTable: tables.state,
    kubernetes,
    tickMinutes: options.meshTickSeconds === undefined ? 1 : options.meshTickSeconds / 60,
    reporter,
    ...(options.meshConfig ? { meshConfig: options.meshConfig } : {}),
  });
  await recoverAuditOutbox(wiring.ports, probesOf(secrets.auditProbes, mesh.auditProbes), reporter);

  // The local mesh data plane (a stand-in for Istio's Envoys) reads what hms-sys applied from the simulator.
  const meshDataPlane = await startMeshDataPlaneSandbox({
    kube: { url: k8s.url, caData: kube.caData, token: k8sToken },
    clock,
    alarms,
    cluster: mesh.ports.meshConfig.defaultCluster,
    ...(options.meshProxyPort === undefined ? {} : { proxyPort: options.meshProxyPort }),
    ...(options.meshStatsPort === undefined ? {} : { statsPort: options.meshStatsPort }),
  });

  const httpHandlers: Record<string, LocalHandler> = {
    api,
    openapi: openApiHandler as unknown as LocalHandler,
    [costApiFunction.name]: createCostApiHandler(wire, reporter) as unknown as LocalHandler,
    [secretsApiFunction.name]: secrets.apiHandler,
    [auditDigestFunction.name]: auditArchive.handler,
    [meshFunction.name]: mesh.handler,
    [meshOpsFunction.name]: mesh.opsHandler,
  };
  const httpHandler = (name: string) => {
    const handler = httpHandlers[name];
    if (!handler) throw new Error(`the sandbox has no handler for function ${name}`);
    return handler;
  };
  const devKey = await devKeyLoading;
  // The HTTP functions get the same reservation as the bus's (API Gateway's throttle answer beyond it).
  const httpLimits = new HttpFunctionLimits(httpFunctions(), bus.reservedConcurrency);
  const server = createApiServer({
    routes: httpRoutes.map((route) => ({ route, functionName: route.functionName, handler: httpHandler(route.functionName) })),
    verify: (token) => verifyDevToken(devKey, token),
    sandboxRoutes: {
      ...sandboxRoutes(wiring, alarms, deadLetter, events, bus, httpLimits),
      ...dbSecretRoutes({ secrets: secrets.secrets, postgres: secrets.postgres }),
      ...meshDataPlane.routes,
    },
    limits: httpLimits,
  });
  const requests = trackRequests(server);
  const port = await listen(server, options.port ?? 0);
  const issueToken = (scopes: readonly string[], subject = 'dev-user', ttlSeconds?: number) =>
    issueDevToken(devKey, { subject, scopes, ...(ttlSeconds === undefined ? {} : { ttlSeconds }) });
  const tokens: Record<string, string> = {};
  for (const [profile, scopes] of Object.entries(TOKEN_PROFILES)) tokens[profile] = await issueToken(scopes, `dev-${profile}`);

  return {
    url: `http://127.0.0.1:${port}`,
    dynamoEndpoint: dynalite.endpoint,
    dataDir,
    tokens,
    issueToken,
    alarms,
    bus,
    deadLetter,
    wiring,
    scheduler,
    events,
    secrets,
    auditArchive,
    mesh,
    meshDataPlane,
    k8s: Object.assign(k8s, { token: k8sToken, caData: kube.caData, kubeconfigPath: kube.kubeconfigPath, portChanged: kube.portChanged }),
    reconcileNow: () => bus.invoke('reconciler', reconciler, { id: `manual-${Date.now()}` }),
    meterNow: () => bus.invoke('meter', meter, { id: `manual-meter-${Date.now()}` }),
    tickBurstsNow: () => bus.invoke('burst-runner', runner!, { id: `manual-tick-${Date.now()}` }),
    close: async () => {
      clearInterval(evaluation);
      scheduler.close();
      mesh.close();
      bus.close();
      // Requests under way finish (with their audit records) before the stores close.
      await requests.close();
      await alarms.settled().catch(() => undefined);
      await bus.drain();
      flushAlarms();
      await meshDataPlane.close();
      await k8s.close();
      await secrets.close();
      await auditArchive.close();
      await dynalite.close();
      if (ownsDataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
