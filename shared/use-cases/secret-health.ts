import { POLICY_TAG, parseRotationPolicy, rotationWindowClose } from '#domain/rotation.ts';
import { AWSCURRENT, AWSPENDING, type SecretDescription, type SecretStore } from '#ports/secret-store.ts';

// How a secret under hms-sys rotation stands against its policy. Its own module, apart from the
// sweep, so what reads health (the secrets API) does not load the sweep's un-wedging calls: the IAM
// conformance test derives each function's grants from the modules it loads.

/** `rotating`: AWSPENDING is on a version younger than the stuck threshold, so Secrets Manager is still at it. */
export type SecretHealth = 'ok' | 'rotating' | 'unscheduled' | 'overdue' | 'stuck' | 'invalid-policy';

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
export async function assessSecret(
  secrets: Pick<SecretStore, 'listVersions'>,
  secret: SecretDescription,
  now: Date,
  options: HealthOptions = {},
): Promise<SecretAssessment> {
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
      return {
        health: 'rotating',
        detail: `version ${pendingVersion} has been ${AWSPENDING} for ${ageMinutes} min (since ${created}): a rotation in progress`,
        pendingVersion,
      };
    }
    return {
      health: 'stuck',
      detail: `version ${pendingVersion} has been ${AWSPENDING} for ${ageMinutes} min (since ${created}), over ${stuckAfter} min: a rotation did not finish`,
      pendingVersion,
    };
  }
  if (!secret.rotationEnabled) return { health: 'unscheduled', detail: 'rotation is not enabled on the secret' };
  // Secrets Manager reports NextRotationDate while rotation is on; the window after the last rotation stands in if it does not.
  const deadline = secret.nextRotationAt ?? (secret.lastRotatedAt ? rotationWindowClose(new Date(secret.lastRotatedAt), hours).toISOString() : null);
  if (deadline === null) return { health: 'overdue', detail: 'never rotated, and Secrets Manager reports no next rotation date' };
  const graceMinutes = options.graceMinutes ?? DEFAULT_GRACE_MINUTES;
  if (now.getTime() > Date.parse(deadline) + graceMinutes * MINUTE) {
    return {
      health: 'overdue',
      detail: `not rotated by ${deadline}, the latest its schedule rotates, nor in the ${graceMinutes} min after (last rotated ${secret.lastRotatedAt ?? 'never'}; the policy is every ${hours} h)`,
    };
  }
  return { health: 'ok', detail: `the schedule rotates it by ${deadline}` };
}
