import { DEFAULT_POLICY, POLICY_TAG, STRATEGY_TAG } from '#domain/rotation.ts';
import { ConflictError, DependencyError, NotFoundError } from '#domain/errors.ts';
import { SecretConflictError, SecretNotFoundError } from '#ports/errors.ts';
import type { Caller, SecretsPorts } from '#ports/ports.ts';
import { record } from './record.ts';
import { secretHealth } from './sweep-secrets.ts';

/** Every secret under hms-sys rotation, with its policy and how it stands against it. */
export async function listRotatedSecrets(ports: Pick<SecretsPorts, 'secrets' | 'clock'>) {
  const secrets = await ports.secrets.listByTags({ [STRATEGY_TAG]: undefined });
  return secrets.map((secret) => ({
    arn: secret.arn,
    name: secret.name,
    strategy: secret.tags[STRATEGY_TAG],
    policy: secret.tags[POLICY_TAG] ?? DEFAULT_POLICY,
    rotationEnabled: secret.rotationEnabled,
    lastRotatedAt: secret.lastRotatedAt,
    nextRotationAt: secret.nextRotationAt,
    ...secretHealth(secret, ports.clock.now(), 60),
  }));
}

/** Starts a rotation now (RotateSecret); the rotation function does the four steps. */
export async function rotateNow(ports: SecretsPorts, caller: Caller, secretArn: string) {
  try {
    await ports.secrets.describe(secretArn);
  } catch (err) {
    if (err instanceof SecretNotFoundError) throw new NotFoundError(`secret ${secretArn}`, 'secret');
    throw err;
  }
  try {
    await ports.secrets.rotate(secretArn);
  } catch (err) {
    if (err instanceof SecretConflictError) throw new ConflictError(err.message, 'secret');
    // Where the rotation runs in the call (the sandbox), its failure is a dependency's, not ours: AWSCURRENT is unchanged.
    throw new DependencyError(`the rotation failed: ${(err as Error).message}; AWSCURRENT is unchanged`, { cause: err });
  }
  const after = await ports.secrets.describe(secretArn);
  await record(ports, caller, {
    action: 'secret.rotate', target: `secret/${secretArn}`, before: null, after: { lastRotatedAt: after.lastRotatedAt }, outcome: 'success',
    reasons: ['rotation started by request'],
  });
  return { secret: secretArn, rotationStarted: true, lastRotatedAt: after.lastRotatedAt };
}
