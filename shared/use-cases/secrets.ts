import { randomUUID } from 'node:crypto';
import { ConflictError, NotFoundError } from '#domain/errors.ts';
import { DEFAULT_POLICY, POLICY_TAG, STRATEGY_TAG } from '#domain/rotation.ts';
import { RotationInProgressError, SecretConflictError, SecretNotFoundError } from '#ports/errors.ts';
import type { Caller, SecretsPorts } from '#ports/ports.ts';
import { recordedChange } from './recorded-change.ts';
import { assessSecret } from './secret-health.ts';

/** Every secret under hms-sys rotation, with its policy and how it stands against it. */
export async function listRotatedSecrets(ports: Pick<SecretsPorts, 'secrets' | 'clock'>) {
  const secrets = await ports.secrets.listByTags({ [STRATEGY_TAG]: undefined });
  const now = ports.clock.now();
  return Promise.all(
    secrets.map(async (secret) => {
      const { health, detail, pendingVersion } = await assessSecret(ports.secrets, secret, now);
      return {
        arn: secret.arn,
        name: secret.name,
        strategy: secret.tags[STRATEGY_TAG],
        policy: secret.tags[POLICY_TAG] ?? DEFAULT_POLICY,
        rotationEnabled: secret.rotationEnabled,
        lastRotatedAt: secret.lastRotatedAt,
        nextRotationAt: secret.nextRotationAt,
        health,
        detail,
        ...(pendingVersion ? { pendingVersion } : {}),
      };
    }),
  );
}

/**
 * Starts a rotation now (RotateSecret). Secrets Manager runs it asynchronously: the answer says
 * that it started and names the version it creates; the outcome arrives later, as AWSCURRENT on
 * that version and a RotationSucceeded event (or RotationFailed). A rotation already in progress
 * is a conflict: Secrets Manager retries it. Only the secret port's not-found and conflict errors
 * are mapped here, to name the `secret` field; anything else goes to the edge's one error table.
 * https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_RotateSecret.html
 */
export async function rotateNow(ports: SecretsPorts, caller: Caller, secretArn: string) {
  // Our own token (RotateSecret's ClientRequestToken, the new version's id) lets the drainer see whether it started.
  const token = randomUUID();
  const plan = {
    action: 'secret.rotate',
    target: `secret/${secretArn}`,
    before: null,
    after: { rotationStarted: true, versionId: token },
    outcome: 'success' as const,
    reasons: ['rotation started by request'],
    probe: { kind: 'rotation-started' as const, secretId: secretArn, token },
  };
  const started = await recordedChange(ports, caller, plan, () =>
    ports.secrets.rotate(secretArn, token).catch((err: unknown) => {
      throw namingSecret(err, secretArn);
    }),
  );
  return { secret: secretArn, rotationStarted: true, versionId: started.versionId };
}

/** The secret port's not-found and conflict errors, naming the `secret` field; any other error as it was. */
function namingSecret(err: unknown, secretArn: string): unknown {
  if (err instanceof SecretNotFoundError) return new NotFoundError(`secret ${secretArn}`, 'secret');
  if (err instanceof RotationInProgressError) {
    return new ConflictError(`a rotation of ${secretArn} is in progress (version ${err.pendingVersionId} is AWSPENDING); Secrets Manager retries it`, 'secret');
  }
  if (err instanceof SecretConflictError) return new ConflictError(err.message, 'secret');
  return err;
}
