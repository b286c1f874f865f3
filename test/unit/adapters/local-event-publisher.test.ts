import { describe, expect, it } from 'vitest';
import { type BusEvent, LocalEventPublisher } from '#adapters/local/local-event-publisher.ts';

const clock = { now: () => new Date('2026-03-01T12:00:00.250Z') };
const ids = () => {
  let n = 0;
  return () => `evt-${++n}`;
};

describe('LocalEventPublisher', () => {
  it('keeps events in order with an id and time, and emits each shaped like EventBridge', async () => {
    const emitted: BusEvent[] = [];
    const publisher = new LocalEventPublisher({
      clock,
      newId: ids(),
      emit: (event) => {
        emitted.push(event);
      },
    });
    await publisher.publish([{ detailType: 'BudgetThresholdCrossed', detail: { service: 'api', thresholdPercent: 80 }, resources: ['api'] }]);
    await publisher.publish([{ detailType: 'BurstDone', detail: { burstId: 'b1' } }]);

    expect(publisher.published()).toEqual([
      {
        id: 'evt-1',
        time: '2026-03-01T12:00:00.250Z',
        detailType: 'BudgetThresholdCrossed',
        detail: { service: 'api', thresholdPercent: 80 },
        resources: ['api'],
      },
      { id: 'evt-2', time: '2026-03-01T12:00:00.250Z', detailType: 'BurstDone', detail: { burstId: 'b1' }, resources: [] },
    ]);
    expect(emitted[0]).toEqual({
      version: '0',
      id: 'evt-1',
      'detail-type': 'BudgetThresholdCrossed',
      source: 'hms.sys',
      account: '000000000000',
      time: '2026-03-01T12:00:00Z',
      region: 'us-east-1',
      resources: ['api'],
      detail: { service: 'api', thresholdPercent: 80 },
    });
    expect(emitted.map((e) => e.id)).toEqual(['evt-1', 'evt-2']);
  });

  it('works without emit, and its list cannot be changed from outside', async () => {
    const publisher = new LocalEventPublisher({ clock, region: 'us-gov-west-1' });
    const detail = { service: 'api' };
    await publisher.publish([{ detailType: 'X', detail }]);
    detail.service = 'changed';
    publisher.published()[0]!.detail.service = 'changed too';
    expect(publisher.published()[0]!.detail).toEqual({ service: 'api' });
  });

  it('emits every event, then throws the first emit error', async () => {
    const seen: string[] = [];
    const publisher = new LocalEventPublisher({
      clock,
      newId: ids(),
      emit: async (event) => {
        seen.push(event.id);
        if (event.id === 'evt-1') throw new Error('no route');
      },
    });
    await expect(
      publisher.publish([
        { detailType: 'A', detail: {} },
        { detailType: 'B', detail: {} },
      ]),
    ).rejects.toThrow('no route');
    expect(seen).toEqual(['evt-1', 'evt-2']);
    expect(publisher.published()).toHaveLength(2);
  });
});
