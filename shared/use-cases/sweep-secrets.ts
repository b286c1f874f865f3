import { randomUUID } from 'node:crypto';
import { DEFAULT_POLICY, POLICY_TAG, parseRotationPolicy, STRATEGY_TAG } from '#domain/rotation.ts';
import type { AuditLog } from '#ports/audit-log.ts';
import type { AuditOutbox, ChangeProbe } from '#ports/audit-outbox.ts';
import type { Clock } from '#ports/clock.ts';
import { RotationInProgressError, SecretConflictError } from '#ports/errors.ts';
import { EVENT_SOURCE, type EventPublisher, type PublishedEvent } from '#ports/events.ts';
import type { Caller } from '#ports/ports.ts';
import { AWSCURRENT, AWSPENDING, type SecretDescription, type SecretStore } from '#ports/secret-store.ts';
import { record } from './record.ts';
import { recordedChange } from './recorded-change.ts';
import { assessSecret, type HealthOptions, type SecretHealth } from './secret-health.ts';

export {
  assessSecret,
  DEFAULT_GRACE_MINUTES,
  DEFAULT_STUCK_AFTER_MINUTES,
  type HealthOptions,
  type SecretAssessment,
  type SecretHealth,
} from './secret-health.ts';

export interface SweepPorts {
  secrets: SecretStore;
  events: EventPublisher;
  audit: AuditLog;
  auditOutbox: AuditOutbox;
  clock: Clock;
}

/** The states a person or the sweeper must act on; `ok` and `rotating` are left alone. */
const NEEDS_ATTENTION: ReadonlySet<SecretHealth> = new Set(['unscheduled', 'overdue', 'stuck', 'invalid-policy']);

export interface SweepFinding {
  secret: string;
  health: SecretHealth;
  detail: string;
  /**
   * What the sweeper did: `rotated` (RotateSecret started, for a stuck rotation after taking
   * AWSPENDING off its stale version), `scheduled`, `left-to-secrets-manager` (RotateSecret
   * answered that a rotation is in progress, which Secrets Manager retries itself) or `retry-failed`.
   */
  action: 'none' | 'rotated' | 'scheduled' | 'left-to-secrets-manager' | 'retry-failed';
}

export interface SweepOptions extends HealthOptions {
  concurrency?: number;
  startNoneAfter?: number;
}

/**
 * Checks every secret tagged for hms-sys rotation, with bounded concurrency: an overdue one is
 * rotated; a stuck one has AWSPENDING taken off its stale version, then is rotated; one without
 * a schedule gets the one its policy tag names; a rotation in progress is left to Secrets
 * Manager. Every finding that needs attention is published and audited: a schedule set or a
 * rotation started under its audit intent first (recorded-change.ts; probes in rotation-probes.ts),
 * the rest (a failed retry, a rotation left to Secrets Manager, an invalid policy) after publishing.
 */
export async function sweepSecrets(ports: SweepPorts, caller: Caller, options: SweepOptions = {}) {
  const secrets = await ports.secrets.listByTags({ [STRATEGY_TAG]: undefined });
  const findings: SweepFinding[] = [];
  const recorded = new WeakSet<SweepFinding>();
  let deferred = 0;
  const queue = [...secrets];
  const worker = async () => {
    for (let secret = queue.shift(); secret; secret = queue.shift()) {
      if (options.startNoneAfter !== undefined && Date.now() > options.startNoneAfter) {
        deferred += 1;
        continue;
      }
      findings.push(await sweepOne(ports, caller, secret, options, recorded));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 16) }, worker));
  const needing = findings.filter((f) => NEEDS_ATTENTION.has(f.health));
  if (needing.length > 0) {
    await ports.events.publish(
      needing.map(
        (f): PublishedEvent => ({
          detailType: 'SecretRotationAttention',
          detail: { ...f },
          resources: [f.secret],
        }),
      ),
    );
    for (const finding of needing.filter((f) => !recorded.has(f))) {
      await record(ports, caller, {
        action: `secret.${finding.health}`,
        target: `secret/${finding.secret}`,
        before: null,
        after: { action: finding.action },
        outcome: finding.action === 'retry-failed' ? 'failure' : 'success',
        reasons: [`${EVENT_SOURCE}: ${finding.detail}`],
      });
    }
  }
  return { checked: secrets.length, deferred, findings };
}

async function sweepOne(
  ports: SweepPorts,
  caller: Caller,
  secret: SecretDescription,
  options: HealthOptions,
  recorded: WeakSet<SweepFinding>,
): Promise<SweepFinding> {
  const { health, detail, pendingVersion } = await assessSecret(ports.secrets, secret, ports.clock.now(), options);
  const finding: SweepFinding = { secret: secret.arn, health, detail, action: 'none' };
  /** The finding's change, under its audit intent: the record says what was done. */
  const audited = <T>(action: SweepFinding['action'], words: string, probe: ChangeProbe, change: () => Promise<T>) => {
    const plan = { action: `secret.${health}`, target: `secret/${secret.arn}`, before: null, after: { action }, outcome: 'success' as const };
    // Done or refused, recordedChange records it (a refusal as a failure naming the error), or leaves its intent to the drainer.
    return recordedChange(ports, caller, { ...plan, reasons: [`${EVENT_SOURCE}: ${words}`], probe }, change).finally(() => recorded.add(finding));
  };
  if (health === 'unscheduled') {
    // The policy tag asks for rotation: give the secret its schedule and the rotation function.
    const policy = parseRotationPolicy(secret.tags[POLICY_TAG]);
    const every = secret.tags[POLICY_TAG] ?? DEFAULT_POLICY;
    await audited('scheduled', detail, { kind: 'rotation-scheduled', secretId: secret.arn }, () =>
      ports.secrets.schedule(secret.arn, { every, scheduleExpression: policy.scheduleExpression }),
    )
      .then(() => {
        finding.action = 'scheduled';
      })
      .catch((err: Error) => {
        finding.action = 'retry-failed';
        finding.detail = `${detail}; scheduling failed: ${err.message}`;
      });
    return finding;
  }
  if (health !== 'stuck' && health !== 'overdue') return finding;
  try {
    // A new token: RotateSecret refuses a retry with the stale one (see SecretStore.rotate).
    const token = randomUUID();
    const words = `${detail}; ${health === 'stuck' ? `took ${AWSPENDING} off ${pendingVersion} and ` : ''}started rotation ${token}`;
    await audited('rotated', words, { kind: 'rotation-started', secretId: secret.arn, token }, async () => {
      if (health === 'stuck' && pendingVersion) await abandonPending(ports.secrets, secret.arn, pendingVersion);
      return ports.secrets.rotate(secret.arn, token);
    });
    finding.action = 'rotated';
    finding.detail = words;
  } catch (err) {
    if (err instanceof RotationInProgressError) {
      // A younger rotation holds AWSPENDING: Secrets Manager runs and retries it; not a failure.
      finding.action = 'left-to-secrets-manager';
      finding.detail = `${detail}; Secrets Manager is rotating (version ${err.pendingVersionId} is ${AWSPENDING}) and will retry it`;
    } else {
      finding.action = 'retry-failed';
      finding.detail = `${detail}; ${(err as Error).message}`;
    }
  }
  return finding;
}

/**
 * Moves AWSPENDING off the stale version (UpdateSecretVersionStage with RemoveFromVersionId and
 * no MoveToVersionId), so RotateSecret can start again. If the label is no longer there, the
 * rotation finished or moved on meanwhile: RotateSecret then decides.
 * https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_UpdateSecretVersionStage.html
 */
async function abandonPending(secrets: SecretStore, secretArn: string, versionId: string): Promise<void> {
  try {
    await secrets.updateStage(secretArn, AWSPENDING, { fromVersionId: versionId });
  } catch (err) {
    if (!(err instanceof SecretConflictError)) throw err;
  }
}
