import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { KubernetesClusterOptions } from '#adapters/aws/kubernetes-cluster.ts';
import { KubernetesRestarts } from '#adapters/aws/kubernetes-restarts.ts';
import { PostgresDatabase } from '#adapters/aws/postgres-database.ts';
import { type EmbeddedPostgres, startEmbeddedPostgres } from '#adapters/local/embedded-postgres.ts';
import type { LocalEventPublisher } from '#adapters/local/local-event-publisher.ts';
import { LocalSecretStore } from '#adapters/local/local-secret-store.ts';
import { ROTATION_STEPS } from '#domain/rotation.ts';
import type { FunctionDeclaration } from '#domain/triggers.ts';
import { createConsumerRestarterHandler, type RestarterPorts } from '#functions/consumer-restarter/consumer-restarter.ts';
import { consumerRestarterFunction } from '#functions/consumer-restarter/triggers.ts';
import { createCredentialRevokerHandler } from '#functions/credential-revoker/credential-revoker.ts';
import { credentialRevokerFunction } from '#functions/credential-revoker/triggers.ts';
import { createRotationHandler } from '#functions/rotation/rotation.ts';
import { rotationFunction } from '#functions/rotation/triggers.ts';
import { createSecretSweeperHandler } from '#functions/secret-sweeper/secret-sweeper.ts';
import { secretSweeperFunction } from '#functions/secret-sweeper/triggers.ts';
import { createSecretsApiHandler } from '#functions/secrets-api/secrets-api.ts';
import type { AuditLog } from '#ports/audit-log.ts';
import type { AuditOutbox } from '#ports/audit-outbox.ts';
import type { Clock } from '#ports/clock.ts';
import type { SecretsPorts, Wiring } from '#ports/ports.ts';
import type { StateStore } from '#ports/state-store.ts';
import { credentialProbes } from '#use-cases/credential-probes.ts';
import type { ProbeAnswer } from '#use-cases/drain-audit-outbox.ts';
import { probesOf } from '#use-cases/drain-audit-outbox.ts';
import { restartProbes } from '#use-cases/restart-probes.ts';
import { pendingChecks } from '#use-cases/rotate-secret.ts';
import { rotationProbes } from '#use-cases/rotation-probes.ts';
import type { LocalBus, LocalHandler } from './local-bus.ts';
import { checkPostgresPortFree, rememberedPostgresPort, rememberPostgresPort } from './postgres-port.ts';

const SUPERUSER_PASSWORD = 'hms-sys-sandbox';

export interface SecretsSandboxOptions {
  dataDir: string;
  persist: boolean;
  clock: Clock;
  bus: LocalBus;
  events: LocalEventPublisher;
  store: StateStore;
  audit: AuditLog;
  auditOutbox: AuditOutbox;
  kubernetes: KubernetesClusterOptions;
  /** Start an embedded PostgreSQL for the database strategies and short-lived credentials. */
  postgres: boolean;
  sweepMinutes: number;
  revokeMinutes: number;
  maxConcurrentRestarts: number;
  /** The drainers' grace for audit intents (default 900 s). */
  outboxGraceSeconds?: number | undefined;
}

export interface SecretsSandbox {
  secrets: LocalSecretStore;
  postgres: EmbeddedPostgres | null;
  apiHandler: LocalHandler;
  /** Rotation steps' probes, with the rotation function's own database test: for the drain at start. */
  auditProbes: ProbeAnswer;
  sweepNow(): Promise<unknown>;
  revokeNow(): Promise<unknown>;
  close(): Promise<void>;
}

/** The declared schedule's period in minutes: the bus scales it to the sandbox's own period. */
const declaredRate = (declaration: FunctionDeclaration) => declaration.triggers.find((t) => t.kind === 'schedule')?.rateMinutes ?? 1;

/** A CloudTrail-shaped Secrets Manager event, as EventBridge delivers RotationSucceeded and RotationFailed. */
function rotationEvent(eventName: 'RotationSucceeded' | 'RotationFailed', secretArn: string, clock: Clock) {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'AWS Service Event via CloudTrail',
    source: 'aws.secretsmanager',
    account: '000000000000',
    time: clock
      .now()
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z'),
    region: 'us-east-1',
    resources: [],
    detail: { eventSource: 'secretsmanager.amazonaws.com', eventName, additionalEventData: { SecretId: secretArn } },
  };
}

/** The embedded PostgreSQL; a kept one on the port it had before, since stored secrets name it (postgres-port.ts). */
async function startPostgres(dataDir: string, persist: boolean): Promise<EmbeddedPostgres> {
  if (!persist) return startEmbeddedPostgres({ superuserPassword: SUPERUSER_PASSWORD });
  const port = rememberedPostgresPort(dataDir);
  if (port) await checkPostgresPortFree(dataDir, port);
  const postgres = await startEmbeddedPostgres({ superuserPassword: SUPERUSER_PASSWORD, dataDir: join(dataDir, 'postgres'), port });
  rememberPostgresPort(dataDir, postgres.port);
  return postgres;
}

/**
 * The secrets side of the sandbox: a local Secrets Manager whose rotations invoke the rotation
 * handler asynchronously as Secrets Manager does (four steps, one token, retried), an embedded
 * PostgreSQL when asked, and the secrets API, sweeper, revoker and restarter on the local bus.
 */
export async function startSecretsSandbox(options: SecretsSandboxOptions): Promise<SecretsSandbox> {
  const secrets = new LocalSecretStore({ clock: options.clock, ...(options.persist ? { dataDir: options.dataDir } : {}) });
  const postgres = options.postgres ? await startPostgres(options.dataDir, options.persist) : null;
  const database = new PostgresDatabase();
  const ports: SecretsPorts = {
    store: options.store,
    secrets,
    database,
    audit: options.audit,
    auditOutbox: options.auditOutbox,
    events: options.events,
    clock: options.clock,
  };
  const wiring = (actor: string): Wiring<SecretsPorts> => ({ ports, controllerActor: `role/hms-sys-${actor}` });

  const rotationPorts = { secrets, database, audit: options.audit, auditOutbox: options.auditOutbox, clock: options.clock };
  const graceOptions = { outboxGraceSeconds: options.outboxGraceSeconds };
  const rotation = createRotationHandler(
    async () => ({ ports: rotationPorts, controllerActor: 'role/hms-sys-rotation' }),
    graceOptions,
  ) as unknown as LocalHandler;
  options.bus.register(rotationFunction, rotation);
  // RotateSecret only starts a rotation: Secrets Manager invokes the rotation function
  // asynchronously, once per step with one token, and the outcome arrives later as AWSCURRENT on
  // the token (or AWSPENDING left on it) and a RotationSucceeded or RotationFailed event. Each step
  // here is an asynchronous invocation on the local bus, with Lambda's retries and dead letter.
  // https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_RotateSecret.html
  const runRotation = async (secretArn: string, token: string): Promise<void> => {
    // Queued, as an asynchronous invocation is: it starts after RotateSecret has returned.
    await new Promise((resolve) => setImmediate(resolve));
    for (const Step of ROTATION_STEPS) {
      const step = await options.bus.invoke(rotationFunction.name, rotation, { SecretId: secretArn, ClientRequestToken: token, Step });
      if (step.error !== undefined) {
        await options.bus.publish(rotationEvent('RotationFailed', secretArn, options.clock));
        return;
      }
    }
    await options.bus.publish(rotationEvent('RotationSucceeded', secretArn, options.clock));
  };
  secrets.setOnRotate((secretArn, token) => options.bus.track(runRotation(secretArn, token)));

  const restarterPorts: RestarterPorts = {
    ...ports,
    cluster: new KubernetesRestarts(options.kubernetes),
    maxConcurrentRestarts: options.maxConcurrentRestarts,
  };
  const sweeper = createSecretSweeperHandler(async () => wiring('secret-sweeper'), graceOptions) as unknown as LocalHandler;
  const revoker = createCredentialRevokerHandler(async () => wiring('credential-revoker'), graceOptions) as unknown as LocalHandler;
  const restarter = createConsumerRestarterHandler(
    async () => ({ ports: restarterPorts, controllerActor: 'role/hms-sys-consumer-restarter' }),
    graceOptions,
  ) as unknown as LocalHandler;
  options.bus.register(secretSweeperFunction, sweeper, options.sweepMinutes / declaredRate(secretSweeperFunction));
  options.bus.register(credentialRevokerFunction, revoker, options.revokeMinutes / declaredRate(credentialRevokerFunction));
  options.bus.register(consumerRestarterFunction, restarter);

  const reporter = { error: (message: string, details: Record<string, unknown>) => console.error(message, details) };
  return {
    secrets,
    postgres,
    auditProbes: probesOf(rotationProbes(rotationPorts, pendingChecks(rotationPorts)), credentialProbes(ports), restartProbes(restarterPorts)),
    apiHandler: createSecretsApiHandler(async () => wiring('secrets-api'), reporter) as unknown as LocalHandler,
    sweepNow: () => options.bus.invoke('secret-sweeper', sweeper, { id: `manual-sweep-${Date.now()}` }),
    revokeNow: () => options.bus.invoke('credential-revoker', revoker, { id: `manual-revoke-${Date.now()}` }),
    close: async () => {
      await postgres?.close();
    },
  };
}
