import { DEFAULT_POLICY, parseRotationPolicy, POLICY_TAG, STRATEGY_TAG } from '#domain/rotation.ts';
import type { AuditLog } from '#ports/audit-log.ts';
import type { Clock } from '#ports/clock.ts';
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

export type SecretHealth = 'ok' | 'unscheduled' | 'overdue' | 'stuck' | 'invalid-policy';

export interface SweepFinding {
  secret: string;
  health: SecretHealth;
  detail: string;
  /** What the sweeper did about it. */
  action: 'none' | 'rotated' | 'scheduled' | 'retry-failed';
}

export interface SweepOptions {
  concurrency?: number;
  /** A rotation may run this long past its due time before the secret counts as overdue. */
  graceMinutes?: number;
  startNoneAfter?: number;
}

const HOUR = 3_600_000;

/** How a secret stands against its policy, from its metadata alone. */
export function secretHealth(secret: SecretDescription, now: Date, graceMinutes: number): { health: SecretHealth; detail: string; pendingVersion?: string } {
  let hours: number;
  try {
    hours = parseRotationPolicy(secret.tags[POLICY_TAG]).hours;
  } catch (err) {
    return { health: 'invalid-policy', detail: (err as Error).message };
  }
  const pending = Object.entries(secret.versions).find(([, stages]) => stages.includes(AWSPENDING) && !stages.includes(AWSCURRENT))?.[0];
  if (pending) return { health: 'stuck', detail: `version ${pending} is still AWSPENDING: a rotation did not finish`, pendingVersion: pending };
  if (!secret.rotationEnabled) return { health: 'unscheduled', detail: 'rotation is not enabled on the secret' };
  // Due a policy period after the last rotation; a secret never rotated is due when its schedule says.
  const dueAt = secret.lastRotatedAt ? Date.parse(secret.lastRotatedAt) + hours * HOUR
    : secret.nextRotationAt ? Date.parse(secret.nextRotationAt) : 0;
  const due = dueAt + graceMinutes * 60_000;
  if (now.getTime() > due) {
    return { health: 'overdue', detail: secret.lastRotatedAt ? `last rotated ${secret.lastRotatedAt}; the policy is every ${hours} h` : 'never rotated' };
  }
  return { health: 'ok', detail: `next due by ${new Date(due).toISOString()}` };
}

/**
 * Checks every secret tagged for hms-sys rotation, with bounded concurrency: a stuck rotation
 * is re-driven with its own token (each step is idempotent, so it completes), an overdue one is
 * started, one without a schedule gets the one its policy tag names, and every finding that
 * needed action is published and audited.
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
      findings.push(await sweepOne(ports, secret, options.graceMinutes ?? 60));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 16) }, worker));
  const needing = findings.filter((f) => f.health !== 'ok');
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

async function sweepOne(ports: SweepPorts, secret: SecretDescription, graceMinutes: number): Promise<SweepFinding> {
  const { health, detail, pendingVersion } = secretHealth(secret, ports.clock.now(), graceMinutes);
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
    await ports.secrets.rotate(secret.arn, pendingVersion);
    finding.action = 'rotated';
  } catch (err) {
    finding.action = 'retry-failed';
    finding.detail = `${detail}; RotateSecret failed: ${(err as Error).message}`;
  }
  return finding;
}
