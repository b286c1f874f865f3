import { DEFAULT_POLICY, parseRotationPolicy, POLICY_TAG, rotationWindowClose, STRATEGY_TAG } from '#domain/rotation.ts';
import type { AuditLog } from '#ports/audit-log.ts';
import type { Clock } from '#ports/clock.ts';
import { RotationInProgressError, SecretConflictError } from '#ports/errors.ts';
import { EVENT_SOURCE, type EventPublisher, type PublishedEvent } from '#ports/events.ts';
import type { Caller } from '#ports/ports.ts';
import { AWSCURRENT, AWSPENDING, type SecretDescription, type SecretStore } from '#ports/secret-store.ts';
import { record } from './record.ts';

export interface SweepPorts {
  secrets: SecretStore;
  events: EventPublisher;
  audit: AuditLog;
  clock: Clock;
}

/** `rotating`: AWSPENDING is on a version younger than the stuck threshold, so Secrets Manager is still at it. */
export type SecretHealth = 'ok' | 'rotating' | 'unscheduled' | 'overdue' | 'stuck' | 'invalid-policy';
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

export interface HealthOptions {
  /**
   * How long after NextRotationDate a secret still not rotated counts as overdue. Default 60
   * minutes: NextRotationDate is already the close of the rotation window, so the grace only
   * covers a rotation started in the window's last minutes (four steps, each at most the
   * rotation function's 60 s timeout, with Secrets Manager's retries) and DescribeSecret
   * catching up; it is shorter than the 3 hours between windows of the shortest policy (4 h),
   * so an overdue secret is caught before its next window opens.
   */
  graceMinutes?: number;
  /**
   * How old the AWSPENDING version (its CreatedDate from ListSecretVersionIds) must be before
   * the rotation counts as stuck. Default 120 minutes: the four steps take at most 4 minutes,
   * and Secrets Manager retries a failed rotation "multiple times" on a schedule it does not
   * document (DescribeSecret, NextRotationDate), so the threshold leaves it room to.
   */
  stuckAfterMinutes?: number;
}

export interface SweepOptions extends HealthOptions {
  concurrency?: number;
  startNoneAfter?: number;
}

export const DEFAULT_GRACE_MINUTES = 60;
export const DEFAULT_STUCK_AFTER_MINUTES = 120;
const MINUTE = 60_000;

export interface SecretAssessment {
  health: SecretHealth;
  detail: string;
  /** The version holding AWSPENDING apart from AWSCURRENT, when there is one. */
  pendingVersion?: string;
}

/** The version a rotation left AWSPENDING (apart from AWSCURRENT), if any. */
function pendingVersionOf(secret: SecretDescription): string | undefined {
  return Object.entries(secret.versions).find(([, stages]) => stages.includes(AWSPENDING) && !stages.includes(AWSCURRENT))?.[0];
}

/**
 * How a secret stands against its policy. A pending rotation is judged by its version's age,
 * read with ListSecretVersionIds only when there is one; the schedule by Secrets Manager's own
 * NextRotationDate, the latest the schedule rotates, plus a grace period.
 */
export async function assessSecret(secrets: Pick<SecretStore, 'listVersions'>, secret: SecretDescription, now: Date, options: HealthOptions = {}): Promise<SecretAssessment> {
  let hours: number;
  try {
    hours = parseRotationPolicy(secret.tags[POLICY_TAG]).hours;
  } catch (err) {
    return { health: 'invalid-policy', detail: (err as Error).message };
  }
  const pendingVersion = pendingVersionOf(secret);
  if (pendingVersion) {
    const created = (await secrets.listVersions(secret.arn)).find((v) => v.versionId === pendingVersion)?.createdAt;
    // Gone or relabelled since DescribeSecret: the rotation has moved on; the next pass judges it.
    if (created === undefined) return { health: 'rotating', detail: `version ${pendingVersion} was ${AWSPENDING} and has moved on`, pendingVersion };
    const ageMinutes = Math.floor((now.getTime() - Date.parse(created)) / MINUTE);
    const stuckAfter = options.stuckAfterMinutes ?? DEFAULT_STUCK_AFTER_MINUTES;
    if (ageMinutes < stuckAfter) {
      return { health: 'rotating', detail: `version ${pendingVersion} has been ${AWSPENDING} for ${ageMinutes} min (since ${created}): a rotation in progress`, pendingVersion };
    }
    return { health: 'stuck', detail: `version ${pendingVersion} has been ${AWSPENDING} for ${ageMinutes} min (since ${created}), over ${stuckAfter} min: a rotation did not finish`, pendingVersion };
  }
  if (!secret.rotationEnabled) return { health: 'unscheduled', detail: 'rotation is not enabled on the secret' };
  // Secrets Manager reports NextRotationDate while rotation is on; the window after the last rotation stands in if it does not.
  const deadline = secret.nextRotationAt ?? (secret.lastRotatedAt ? rotationWindowClose(new Date(secret.lastRotatedAt), hours).toISOString() : null);
  if (deadline === null) return { health: 'overdue', detail: 'never rotated, and Secrets Manager reports no next rotation date' };
  const graceMinutes = options.graceMinutes ?? DEFAULT_GRACE_MINUTES;
  if (now.getTime() > Date.parse(deadline) + graceMinutes * MINUTE) {
    return { health: 'overdue', detail: `not rotated by ${deadline}, the latest its schedule rotates, nor in the ${graceMinutes} min after (last rotated ${secret.lastRotatedAt ?? 'never'}; the policy is every ${hours} h)` };
  }
  return { health: 'ok', detail: `the schedule rotates it by ${deadline}` };
}

/**
 * Checks every secret tagged for hms-sys rotation, with bounded concurrency: an overdue one is
 * rotated; a stuck one has AWSPENDING taken off its stale version, then is rotated; one without
 * a schedule gets the one its policy tag names; a rotation in progress is left to Secrets
 * Manager. Every finding that needs attention is published and audited.
 */
export async function sweepSecrets(ports: SweepPorts, caller: Caller, options: SweepOptions = {}) {
  const secrets = await ports.secrets.listByTags({ [STRATEGY_TAG]: undefined });
  const findings: SweepFinding[] = [];
  let deferred = 0;
  const queue = [...secrets];
  const worker = async () => {
    for (let secret = queue.shift(); secret; secret = queue.shift()) {
      if (options.startNoneAfter !== undefined && Date.now() > options.startNoneAfter) {
        deferred += 1;
        continue;
      }
      findings.push(await sweepOne(ports, secret, options));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 16) }, worker));
  const needing = findings.filter((f) => NEEDS_ATTENTION.has(f.health));
  if (needing.length > 0) {
    await ports.events.publish(needing.map((f): PublishedEvent => ({
      detailType: 'SecretRotationAttention', detail: { ...f }, resources: [f.secret],
    })));
    for (const finding of needing) {
      await record(ports, caller, {
        action: `secret.${finding.health}`, target: `secret/${finding.secret}`, before: null, after: { action: finding.action },
        outcome: finding.action === 'retry-failed' ? 'failure' : 'success', reasons: [`${EVENT_SOURCE}: ${finding.detail}`],
      });
    }
  }
  return { checked: secrets.length, deferred, findings };
}

async function sweepOne(ports: SweepPorts, secret: SecretDescription, options: HealthOptions): Promise<SweepFinding> {
  const { health, detail, pendingVersion } = await assessSecret(ports.secrets, secret, ports.clock.now(), options);
  const finding: SweepFinding = { secret: secret.arn, health, detail, action: 'none' };
  if (health === 'unscheduled') {
    // The policy tag asks for rotation: give the secret its schedule and the rotation function.
    const policy = parseRotationPolicy(secret.tags[POLICY_TAG]);
    await ports.secrets.schedule(secret.arn, { every: secret.tags[POLICY_TAG] ?? DEFAULT_POLICY, scheduleExpression: policy.scheduleExpression })
      .then(() => { finding.action = 'scheduled'; })
      .catch((err: Error) => { finding.action = 'retry-failed'; finding.detail = `${detail}; scheduling failed: ${err.message}`; });
    return finding;
  }
  if (health !== 'stuck' && health !== 'overdue') return finding;
  try {
    if (health === 'stuck' && pendingVersion) await abandonPending(ports.secrets, secret.arn, pendingVersion);
    // A new token: RotateSecret refuses a retry with the stale one (see SecretStore.rotate).
    const { versionId } = await ports.secrets.rotate(secret.arn);
    finding.action = 'rotated';
    finding.detail = `${detail}; ${health === 'stuck' ? `took ${AWSPENDING} off ${pendingVersion} and ` : ''}started rotation ${versionId}`;
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
