import { type RotationEvent, strategyOf } from '#domain/rotation.ts';
import { SecretNotFoundError } from '#ports/errors.ts';
import type { RotationPorts } from '#ports/ports.ts';
import { AWSCURRENT, AWSPENDING, type SecretDescription } from '#ports/secret-store.ts';
import { type RotationContext, RotationError, STRATEGY_IMPLEMENTATIONS } from './rotation-strategies.ts';

export type StepOutcome = 'done' | 'already-current';

/**
 * One step of Secrets Manager's rotation protocol. At entry: rotation must be enabled and the
 * token a version of the secret; a token already AWSCURRENT is done (a repeated finish); a token
 * not AWSPENDING is refused. Every step is safe to repeat, and until finishSecret moves
 * AWSCURRENT the current value keeps working.
 */
export async function runRotationStep(ports: RotationPorts, event: RotationEvent): Promise<{ step: string; outcome: StepOutcome; versionId: string }> {
  const secret = await ports.secrets.describe(event.SecretId);
  const token = event.ClientRequestToken;
  if (!secret.rotationEnabled) throw new RotationError(`rotation is not enabled for ${secret.name}`);
  const stages = secret.versions[token];
  if (!stages) throw new RotationError(`version ${token} of ${secret.name} has no stage for rotation`);
  const answer = (outcome: StepOutcome) => ({ step: event.Step, outcome, versionId: token });
  if (stages.includes(AWSCURRENT)) return answer('already-current');
  if (!stages.includes(AWSPENDING)) throw new RotationError(`version ${token} of ${secret.name} is not AWSPENDING`);

  const context: RotationContext = { ports, secret, token };
  const strategy = STRATEGY_IMPLEMENTATIONS[strategyOf(secret.tags)];
  switch (event.Step) {
    case 'createSecret':
      await createPending(context, (current) => strategy.newValue(context, current));
      break;
    case 'setSecret':
      await strategy.set(context, await pendingValue(context));
      break;
    case 'testSecret':
      await strategy.test(context, await pendingValue(context));
      break;
    case 'finishSecret':
      await finish(context);
      break;
  }
  return answer('done');
}

/** Puts the pending value only if this token has none yet, so a retried createSecret keeps the first value. */
async function createPending(context: RotationContext, make: (current: string) => Promise<string>): Promise<void> {
  const { secrets } = context.ports;
  const current = await secrets.getValue(context.secret.arn, { stage: AWSCURRENT });
  try {
    await secrets.getValue(context.secret.arn, { versionId: context.token, stage: AWSPENDING });
    return;
  } catch (err) {
    if (!(err instanceof SecretNotFoundError)) throw err;
  }
  await secrets.putValue(context.secret.arn, context.token, await make(current.value), [AWSPENDING]);
}

async function pendingValue(context: RotationContext): Promise<string> {
  return (await context.ports.secrets.getValue(context.secret.arn, { versionId: context.token, stage: AWSPENDING })).value;
}

/** Moves AWSCURRENT to the token (the old version becomes AWSPREVIOUS) and drops AWSPENDING. */
async function finish(context: RotationContext): Promise<void> {
  const { secrets } = context.ports;
  const holder = currentVersion(context.secret);
  if (holder !== context.token) {
    await secrets.updateStage(context.secret.arn, AWSCURRENT, { toVersionId: context.token, ...(holder ? { fromVersionId: holder } : {}) });
  }
  await secrets.updateStage(context.secret.arn, AWSPENDING, { fromVersionId: context.token });
}

const currentVersion = (secret: SecretDescription) => Object.entries(secret.versions).find(([, stages]) => stages.includes(AWSCURRENT))?.[0];
