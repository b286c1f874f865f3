import { describe, expect, it } from 'vitest';
import { alarmStateChangePattern, burstAlarmPattern, scalerFunction } from '#functions/scaler/triggers.ts';
import { matchesPattern } from '#sandbox/event-pattern.ts';
import { LocalBus } from '#sandbox/local-bus.ts';

/** The shape of AWS's documented example, trimmed to what the pattern reads. */
const awsAlarmEvent = (alarmName: string, value: string) => ({
  version: '0',
  id: 'c4c1c1c9-6542-e61b-6ef0-8c4d36933a92',
  'detail-type': 'CloudWatch Alarm State Change',
  source: 'aws.cloudwatch',
  account: '123456789012',
  time: '2019-10-02T17:04:40Z',
  region: 'us-east-1',
  resources: [`arn:aws:cloudwatch:us-east-1:123456789012:alarm:${alarmName}`],
  detail: {
    alarmName,
    state: { value, reason: 'Threshold Crossed', reasonData: '{}', timestamp: '2019-10-02T17:04:40.985+0000' },
    previousState: { value: 'OK' },
  },
});

describe("the scaler's event pattern", () => {
  it('matches an hms-sys scaling alarm entering ALARM', () => {
    expect(matchesPattern(alarmStateChangePattern, awsAlarmEvent('hms-sys-AR-101-scale-out', 'ALARM'))).toBe(true);
    expect(matchesPattern(alarmStateChangePattern, awsAlarmEvent('hms-sys-AR-101-scale-in', 'ALARM'))).toBe(true);
  });
  it('leaves burst alarms to the burst runner, whose pattern matches only them', () => {
    expect(matchesPattern(alarmStateChangePattern, awsAlarmEvent('hms-sys-AR-101-burst', 'ALARM'))).toBe(false);
    expect(matchesPattern(burstAlarmPattern, awsAlarmEvent('hms-sys-AR-101-burst', 'ALARM'))).toBe(true);
    expect(matchesPattern(burstAlarmPattern, awsAlarmEvent('hms-sys-AR-101-scale-out', 'ALARM'))).toBe(false);
  });
  it.each([
    ["another team's alarm", awsAlarmEvent('billing-alarm', 'ALARM')],
    ['an alarm that only ends like ours', awsAlarmEvent('team-AR-1-scale-out', 'ALARM')],
    ['a name that only looks like a wildcard', awsAlarmEvent('hms-sys-AR-1-scale', 'ALARM')],
    ['an alarm returning to OK', awsAlarmEvent('hms-sys-AR-101-scale-out', 'OK')],
    ['another source', { ...awsAlarmEvent('hms-sys-AR-101-scale-out', 'ALARM'), source: 'custom.app' }],
  ])('does not match %s', (_, event) => expect(matchesPattern(alarmStateChangePattern, event)).toBe(false));
});

describe('LocalBus', () => {
  it('retries a failing delivery twice, as Lambda does, then parks the event', async () => {
    const parked: unknown[] = [];
    const bus = new LocalBus({ park: async (item) => void parked.push(item) }, { retryDelayMs: 1 });
    let calls = 0;
    bus.register(scalerFunction, async () => {
      calls += 1;
      throw new Error('cluster down');
    });
    const event = awsAlarmEvent('hms-sys-AR-101-scale-out', 'ALARM');
    const [invocation] = await bus.publish(event);
    expect(calls).toBe(3);
    expect(invocation).toMatchObject({ attempts: 3, error: 'Error: cluster down' });
    expect(parked).toEqual([{ source: 'lambda/scaler', reason: 'Error: cluster down', payload: event }]);
  });

  it('delivers nothing for an event no trigger matches', async () => {
    const bus = new LocalBus({ park: async () => undefined }, { retryDelayMs: 1 });
    let calls = 0;
    bus.register(scalerFunction, async () => {
      calls += 1;
    });
    expect(await bus.publish(awsAlarmEvent('billing-alarm', 'ALARM'))).toEqual([]);
    expect(calls).toBe(0);
  });

  it('drains tracked work too, such as a chain of invocations with gaps between them', async () => {
    const bus = new LocalBus({ park: async () => undefined }, { retryDelayMs: 1 });
    const steps: number[] = [];
    bus.register(scalerFunction, async () => undefined);
    const chain = async () => {
      for (const step of [1, 2, 3]) {
        await new Promise((resolve) => setImmediate(resolve));
        await bus.invoke(scalerFunction.name, async () => void steps.push(step), {});
      }
    };
    void bus.track(chain());
    await bus.drain();
    expect(steps).toEqual([1, 2, 3]);
  });
});
