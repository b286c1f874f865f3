import type { Service } from '#domain/model.ts';
import { type BackoffPolicy, backoffDelay } from '#domain/retry.ts';
import { POLICY_TAG, STRATEGY_TAG } from '#domain/rotation.ts';
import { sameSecret } from '#domain/secret-arn.ts';
import type { AuditLog } from '#ports/audit-log.ts';
import type { AuditOutbox } from '#ports/audit-outbox.ts';
import type { Clock } from '#ports/clock.ts';
import { type RestartCluster, SECRET_VERSION_ANNOTATION } from '#ports/cluster.ts';
import { ClusterConflictError, ClusterNotFoundError, SecretAccessDeniedError } from '#ports/errors.ts';
import type { Caller } from '#ports/ports.ts';
import { AWSCURRENT, type SecretDescription, type SecretStore } from '#ports/secret-store.ts';
import type { StateStore } from '#ports/state-store.ts';
import { record } from './record.ts';
import { recordedChange } from './recorded-change.ts';

export interface RestartPorts {
  store: StateStore;
  cluster: RestartCluster;
  audit: AuditLog;
  auditOutbox: AuditOutbox;
  clock: Clock;
}

export interface RestartOptions {
  /** At most this many Deployments roll at once across the cluster's managed namespaces. */
  maxConcurrent: number;
  /** Epoch ms after which no further restart is started; the rest are left for a retry. */
  startNoneAfter?: number;
  /** How long to wait between checks while the cluster is at its limit. */
  pollMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export interface RestartReport {
  secret: string;
  versionId: string;
  restarted: string[];
  unchanged: string[];
  /** Consumers not restarted before the deadline; a retry of the same event picks them up. */
  deferred: string[];
  /** Consumers whose Deployment does not exist. */
  missing: string[];
}

/** Some consumers were not restarted in time: the event is retried, and the finished ones answer unchanged. */
export class RestartsDeferredError extends Error {
  constructor(readonly report: RestartReport) {
    super(`${report.deferred.length} consumers of ${report.secret} wait for a restart: ${report.deferred.join(', ')}`);
    this.name = 'RestartsDeferredError';
  }
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Rolls every Deployment whose service declares the secret, by setting the pod template
 * annotation hms.sys/secret-version to the new version. A Deployment already on that version
 * is left alone, so a repeated event restarts nothing twice. No more than `maxConcurrent`
 * Deployments roll at once in the cluster's managed namespaces: restart storms wait their turn.
 */
export async function restartConsumers(
  ports: RestartPorts,
  caller: Caller,
  change: { secret: string; versionId: string; service?: string },
  options: RestartOptions,
): Promise<RestartReport> {
  return restartAmong(ports, caller, await ports.store.listServices(), change, options);
}

/** The services that declare the secret, named by its full ARN or (an event may) by its name. */
export function consumersOf(services: Service[], secretId: string): Service[] {
  return services.filter((s) => s.secrets?.some((declared) => sameSecret(declared, secretId)));
}

export type RotationRestart =
  | { ours: false; secret: string }
  /** Declared by a service, but hms-sys may not describe it: not tagged for hms-sys rotation. */
  | { ours: true; readable: false; secret: string; consumers: string[]; reason: string }
  | (RestartReport & { ours: true; readable: true });

/**
 * After a RotationSucceeded event: the event's rule matches every rotation in the account, so the
 * secret is first matched against the services' declared secrets, before any Secrets Manager
 * call. A secret no service declares is not ours: nothing is read (our role may not read other
 * teams' secrets, and an AccessDenied would be retried into the DLQ) and nothing restarts.
 * Ours: its AWSCURRENT version rolls every consumer. Declared but refused (the restarter may
 * describe only secrets tagged STRATEGY_TAG): a retry would be refused again, so each consumer gets a
 * failed audit record telling the operator to tag the secret, and the event ends without an error.
 */
export async function restartAfterRotation(
  ports: RestartPorts & { secrets: Pick<SecretStore, 'describe'> },
  caller: Caller,
  secretId: string,
  options: RestartOptions,
): Promise<RotationRestart> {
  const services = await ports.store.listServices();
  const consumers = consumersOf(services, secretId);
  if (consumers.length === 0) return { ours: false, secret: secretId };
  let described: SecretDescription;
  try {
    described = await ports.secrets.describe(secretId);
  } catch (err) {
    if (!(err instanceof SecretAccessDeniedError)) throw err;
    const reason =
      `${secretId} rotated, but hms-sys may not describe it: it is not tagged ${STRATEGY_TAG}, so it is not under hms-sys rotation and its consumers ` +
      `were not restarted. Tag it ${STRATEGY_TAG} (and ${POLICY_TAG}) to have them restarted after each rotation, or restart them yourself.`;
    for (const service of consumers) {
      await record(ports, caller, {
        action: 'secret.restart',
        target: `deployment/${service.namespace}/${service.deployment}`,
        before: null,
        after: null,
        outcome: 'failure',
        reasons: [reason, (err as Error).message],
        service,
      });
    }
    return { ours: true, readable: false, secret: secretId, consumers: consumers.map((s) => s.name), reason };
  }
  const versionId = Object.entries(described.versions).find(([, stages]) => stages.includes(AWSCURRENT))?.[0] ?? '';
  const report = await restartAmong(ports, caller, services, { secret: described.arn, versionId }, options);
  return { ours: true, readable: true, ...report };
}

async function restartAmong(
  ports: RestartPorts,
  caller: Caller,
  services: Service[],
  change: { secret: string; versionId: string; service?: string },
  options: RestartOptions,
): Promise<RestartReport> {
  // A replaced short-lived credential names its one consumer; a rotated secret, whoever declares it.
  const consumers = change.service ? services.filter((s) => s.name === change.service) : consumersOf(services, change.secret);
  const report: RestartReport = { secret: change.secret, versionId: change.versionId, restarted: [], unchanged: [], deferred: [], missing: [] };
  const sleep = options.sleep ?? defaultSleep;
  const managed = (cluster: string) => [...new Set(services.filter((s) => s.cluster === cluster).map((s) => s.namespace))];

  for (const [index, service] of consumers.entries()) {
    const late = () => options.startNoneAfter !== undefined && Date.now() > options.startNoneAfter;
    while (!late() && (await ports.cluster.rollingOutIn(service.cluster, managed(service.cluster))) >= options.maxConcurrent) {
      await sleep(options.pollMs ?? 2_000);
    }
    if (late()) {
      report.deferred.push(...consumers.slice(index).map((s) => s.name));
      break;
    }
    let outcome: 'restarted' | 'unchanged';
    try {
      outcome = await restartAudited(ports, caller, service, change, sleep);
    } catch (err) {
      // A Deployment that is gone must not keep the others from their restart.
      if (!(err instanceof ClusterNotFoundError)) throw err;
      report.missing.push(service.name);
      continue;
    }
    report[outcome].push(service.name);
  }
  if (report.deferred.length > 0) throw new RestartsDeferredError(report);
  return report;
}

/**
 * One consumer's restart under its audit intent (recorded-change.ts; restart-probes.ts reads the
 * annotation back). A Deployment already on the version is left without an intent or a record, as
 * before; one that another restarter annotated meanwhile is recorded as skipped.
 */
async function restartAudited(
  ports: RestartPorts,
  caller: Caller,
  service: Service,
  change: { secret: string; versionId: string; service?: string },
  sleep: (ms: number) => Promise<void>,
): Promise<'restarted' | 'unchanged'> {
  if ((await ports.cluster.templateAnnotation(service, SECRET_VERSION_ANNOTATION)) === change.versionId) return 'unchanged';
  const plan = {
    action: 'secret.restart',
    target: `deployment/${service.namespace}/${service.deployment}`,
    before: null,
    after: { [SECRET_VERSION_ANNOTATION]: change.versionId },
    outcome: 'success' as const,
    reasons: [
      change.service
        ? `a new database login ${change.versionId} replaces the earlier one: rolling restart`
        : `${change.secret} has a new AWSCURRENT version ${change.versionId}: rolling restart`,
    ],
    service,
    probe: { kind: 'pod-template-annotation' as const, service: service.name, key: SECRET_VERSION_ANNOTATION, value: change.versionId },
    completed: (outcome: 'restarted' | 'unchanged') =>
      outcome === 'unchanged' ? { outcome: 'skipped' as const, reasons: [`already on version ${change.versionId}: another restart annotated it first`] } : {},
  };
  return recordedChange(ports, caller, plan, () => restartOne(ports, service, change.versionId, sleep));
}

/**
 * A restart is read, annotate, write under the read resourceVersion. A real API server moves that
 * version on every status change, so during a rollout or a ramp the write can lose several times
 * running: retry with jittered backoff (about 3 s in all at most) rather than five immediate tries.
 */
const RESTART_CONFLICT_BACKOFF: BackoffPolicy = { attempts: 8, baseMs: 50, capMs: 1_000 };

async function restartOne(ports: RestartPorts, service: Service, versionId: string, sleep: (ms: number) => Promise<void>): Promise<'restarted' | 'unchanged'> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await ports.cluster.restartWorkload(service, { key: SECRET_VERSION_ANNOTATION, value: versionId });
    } catch (err) {
      if (!(err instanceof ClusterConflictError) || attempt + 1 >= RESTART_CONFLICT_BACKOFF.attempts) throw err;
      await sleep(backoffDelay(RESTART_CONFLICT_BACKOFF, attempt, Math.random()));
    }
  }
}
