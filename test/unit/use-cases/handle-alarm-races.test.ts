import { beforeEach, describe, expect, it } from 'vitest';
import { ClusterNotFoundError } from '#ports/errors.ts';
import type { EventClaim } from '#ports/state-store.ts';
import { handleAlarm } from '#use-cases/handle-alarm.ts';
import type { memoryPorts } from './memory-ports.ts';
import { seededPorts } from './seeded-ports.ts';

const caller = { actor: 'role/hms-sys-scaler', requestId: 'evt-1' };
const facts = {
  eventId: 'e-gone',
  alarmName: 'hms-sys-AR-101-scale-out',
  stateValue: 'ALARM',
  metric: { value: 1_000, periodStart: '2026-11-23T11:59:00.000Z' },
};
let env: ReturnType<typeof memoryPorts>;

/** Lets every pending microtask and timer callback run, so a rejection settles before the claim does. */
const later = () => new Promise((resolve) => setTimeout(resolve, 5));

beforeEach(async () => {
  env = await seededPorts(caller, { rule: true });
  // The Deployment is gone: the cluster read fails at once.
  env.ports.cluster.getWorkload = async () => {
    throw new ClusterNotFoundError('deployments.apps "eligibility-api" not found');
  };
});

describe('an alarm whose Deployment is gone', () => {
  it('audits the failure and rethrows when the cluster read fails before the claim settles', async () => {
    const claim = env.ports.store.claimEvent.bind(env.ports.store);
    env.ports.store.claimEvent = async (...args): Promise<EventClaim> => {
      await later();
      return claim(...args);
    };
    await expect(handleAlarm(env.ports, caller, facts)).rejects.toThrow(ClusterNotFoundError);
    expect(env.ports.audit.records.at(-1)).toMatchObject({ action: 'scale.failed', outcome: 'failure', service: 'eligibility-api' });
    // The event was released, so Lambda's retry takes it again rather than finding it busy.
    await expect(handleAlarm(env.ports, caller, facts)).rejects.toThrow(ClusterNotFoundError);
  });

  it('rethrows the claim failure when both the claim and the cluster read fail', async () => {
    env.ports.store.claimEvent = async (): Promise<EventClaim> => {
      await later();
      throw new Error('DynamoDB unavailable');
    };
    await expect(handleAlarm(env.ports, caller, facts)).rejects.toThrow('DynamoDB unavailable');
    await later();
  });

  it('answers a duplicate without an unhandled cluster failure', async () => {
    const claim = env.ports.store.claimEvent.bind(env.ports.store);
    env.ports.store.claimEvent = async (...args): Promise<EventClaim> => {
      await later();
      return claim(...args);
    };
    await claim(`alarm:${facts.eventId}`, 120, env.ports.clock.now());
    await expect(handleAlarm(env.ports, caller, facts)).rejects.toMatchObject({ name: 'EventBusyError' });
    await later();
  });
});
