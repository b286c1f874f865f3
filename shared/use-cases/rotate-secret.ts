import { type RotationEvent, strategyOf } from '#domain/rotation.ts';
import { SecretNotFoundError } from '#ports/errors.ts';
import type { Caller, RotationPorts } from '#ports/ports.ts';
import { AWSCURRENT, AWSPENDING, type SecretDescription } from '#ports/secret-store.ts';
import { recordedChange } from './recorded-change.ts';
import type { PendingChecks } from './rotation-probes.ts';
import { type RotationContext, RotationError, STRATEGY_IMPLEMENTATIONS } from './rotation-strategies.ts';

export type StepOutcome = 'done' | 'already-current';

/**
 * One step of Secrets Manager's rotation protocol. At entry: rotation must be enabled and the
 * token a version of the secret; a token already AWSCURRENT is done (a repeated finish); a token
 * not AWSPENDING is refused. Every step is safe to repeat, and until finishSecret moves
 * AWSCURRENT the current value keeps working.
 */
export async function runRotationStep(
  ports: RotationPorts,
  event: RotationEvent,
  caller: Caller,
): Promise<{ step: string; outcome: StepOutcome; versionId: string }> {
  const secret = await ports.secrets.describe(event.SecretId);
  const token = event.ClientRequestToken;
  if (!secret.rotationEnabled) throw new RotationError(`rotation is not enabled for ${secret.name}`);
  const stages = secret.versions[token];
  if (!stages) throw new RotationError(`version ${token} of ${secret.name} has no stage for rotation`);
  const answer = (outcome: StepOutcome) => ({ step: event.Step, outcome, versionId: token });
  if (stages.includes(AWSCURRENT)) return answer('already-current');
  if (!stages.includes(AWSPENDING)) throw new RotationError(`version ${token} of ${secret.name} is not AWSPENDING`);

  const context: RotationContext = { ports, secret, token };
  // Each step that acts is recorded, never with a value: an intent first, so a crash mid-step
  // leaves a probe (rotation-probe.ts) that tells the drainer whether the step took effect.
  const plan = {
    action: `secret.rotation.${event.Step}`,
    target: `secret/${secret.arn}`,
    before: null,
    after: { versionId: token },
    outcome: 'success' as const,
    reasons: [`${event.Step} of version ${token} (${strategyOf(secret.tags)})`],
    probe: { kind: 'rotation-step' as const, secretId: secret.arn, token, step: event.Step },
  };
  await recordedChange(ports, caller, plan, () => runStep(context, event.Step));
  return answer('done');
}

async function runStep(context: RotationContext, step: RotationEvent['Step']): Promise<void> {
  const strategy = STRATEGY_IMPLEMENTATIONS[strategyOf(context.secret.tags)];
  switch (step) {
    case 'createSecret':
      return createPending(context, (current) => strategy.newValue(context, current));
    case 'setSecret':
      return strategy.set(context, await pendingValue(context));
    case 'testSecret':
      return strategy.test(context, await pendingValue(context));
    case 'finishSecret':
      return finish(context);
  }
}

/**
 * How the drainer tells whether a rotation step whose function stopped took effect (rotation-probes.ts):
 * the token's pending value exists (createSecret), and it works where it is used, as testSecret checks
 * (setSecret, testSecret).
 */
export function pendingChecks(ports: RotationPorts): PendingChecks {
  const contextOf = async (secretId: string, token: string): Promise<RotationContext> => ({ ports, secret: await ports.secrets.describe(secretId), token });
  return {
    valueExists: async (secretId, token) =>
      pendingValue(await contextOf(secretId, token)).then(
        () => true,
        (err) => (err instanceof SecretNotFoundError ? false : Promise.reject(err)),
      ),
    works: async (secretId, token) => {
      const context = await contextOf(secretId, token);
      try {
        await STRATEGY_IMPLEMENTATIONS[strategyOf(context.secret.tags)].test(context, await pendingValue(context));
        return true;
      } catch (err) {
        if (err instanceof RotationError || err instanceof SecretNotFoundError) return false;
        throw err;
      }
    },
  };
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

export async function pendingValue(context: RotationContext): Promise<string> {
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
