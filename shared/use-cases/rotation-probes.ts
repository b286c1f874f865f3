import type { ChangeProbe } from '#ports/audit-outbox.ts';
import { SecretNotFoundError } from '#ports/errors.ts';
import type { RotationPorts } from '#ports/ports.ts';
import { AWSCURRENT } from '#ports/secret-store.ts';
import type { ProbeAnswer } from './drain-audit-outbox.ts';

/** What only the rotation function may check: it alone reads secret values and logs in with them. */
export interface PendingChecks {
  /** The token's version holds a value (createSecret put it). */
  valueExists(secretId: string, token: string): Promise<boolean>;
  /** The pending value works where it is used (setSecret took effect; testSecret passes). */
  works(secretId: string, token: string): Promise<boolean>;
}

/**
 * A rotation started (its token is a version of the secret, whatever became of it since) or
 * scheduled (DescribeSecret shows rotation enabled), for the API's and the sweeper's intents.
 * A rotation step, as far as DescribeSecret shows it: a token that is AWSCURRENT finished every
 * step, one that is no longer a version took none, and finishSecret stood only if AWSCURRENT moved.
 * Before the finish, whether createSecret, setSecret or testSecret stood needs the pending value:
 * with `checks` (the rotation function's) those are answered; without them (the sweeper) they are left.
 */
export function rotationProbes(ports: Pick<RotationPorts, 'secrets'>, checks?: PendingChecks): ProbeAnswer {
  return async (probe: ChangeProbe) => {
    if (probe.kind === 'rotation-started' || probe.kind === 'rotation-scheduled') return rotationStart(ports, probe);
    if (probe.kind !== 'rotation-step') return null;
    let stages: string[] | undefined;
    try {
      stages = (await ports.secrets.describe(probe.secretId)).versions[probe.token];
    } catch (err) {
      if (err instanceof SecretNotFoundError) return false;
      throw err;
    }
    if (!stages) return false;
    if (stages.includes(AWSCURRENT)) return true;
    if (probe.step === 'finishSecret') return false;
    if (!checks) return null;
    return probe.step === 'createSecret' ? checks.valueExists(probe.secretId, probe.token) : checks.works(probe.secretId, probe.token);
  };
}

async function rotationStart(
  ports: Pick<RotationPorts, 'secrets'>,
  probe: ChangeProbe & { kind: 'rotation-started' | 'rotation-scheduled' },
): Promise<boolean> {
  try {
    const described = await ports.secrets.describe(probe.secretId);
    return probe.kind === 'rotation-started' ? described.versions[probe.token] !== undefined : described.rotationEnabled;
  } catch (err) {
    if (err instanceof SecretNotFoundError) return false;
    throw err;
  }
}
