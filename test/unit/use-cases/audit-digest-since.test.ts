import { describe, expect, it } from 'vitest';
import { digestKey } from '#domain/audit-digest.ts';
import { runDigests } from '#use-cases/audit-digests.ts';
import { change, digestPorts } from './digest-fixture.ts';

const settings = { retentionDays: 365 };

describe('which streams a digest run looks at', () => {
  it('a failing stream is retried by name and does not hold back the run time of the others', async () => {
    const { audit, clock, digestState, ports } = digestPorts();
    await audit.append(change('orders', '2026-12-03T14:00:00.000Z'));
    await audit.append(change('orders', '2026-12-03T14:01:00.000Z'));
    await audit.append(change('billing', '2026-12-03T14:02:00.000Z'));
    const genuine = audit.records[1]!;
    audit.records[1] = { ...genuine, actor: 'someone-else' };

    const first = await runDigests(ports, settings);
    expect(first.failures.map((f) => f.stream)).toEqual(['service#orders']);
    expect(first.digests.map((d) => d.stream)).toEqual(['service#billing']);
    expect(digestState.lastRun).toBe('2026-12-03T15:00:00.000Z');
    expect(digestState.retry).toEqual(['service#orders']);

    // Five hours on, orders' records are far behind the lookback; it is still tried, and billing's new record found.
    clock.at = new Date('2026-12-03T20:00:00.000Z');
    await audit.append(change('billing', '2026-12-03T19:30:00.000Z'));
    const second = await runDigests(ports, settings);
    expect(second.since).toBe('2026-12-03T13:00:00.000Z');
    expect(second.failures.map((f) => f.stream)).toEqual(['service#orders']);
    expect(second.digests.map((d) => [d.stream, d.lastSeq])).toEqual([['service#billing', 2]]);

    audit.records[1] = genuine;
    clock.at = new Date('2026-12-04T02:00:00.000Z');
    const third = await runDigests(ports, settings);
    expect(third.failures).toEqual([]);
    expect(third.digests.map((d) => [d.stream, d.key])).toEqual([['service#orders', digestKey('service#orders', 2)]]);
    expect(digestState.retry).toEqual([]);
  });

  it('finds a lookup drained late onto a past day’s stream, past the lookback', async () => {
    const { audit, clock, ports } = digestPorts();
    const lookup = (time: string) => ({ ...change(undefined, time, 'lookup.listServices'), kind: 'lookup' as const, target: '/services', after: null });
    await audit.append(lookup('2026-12-01T10:00:00.000Z'));
    await audit.append(change('orders', '2026-12-03T14:00:00.000Z'));
    const first = await runDigests(ports, settings);
    expect(first.digests.map((d) => d.stream)).toEqual(['lookup#2026-12-01', 'service#orders']);

    // A drainer that was down appends a lookup of December 1st on December 3rd: its time is two days back.
    await audit.append(lookup('2026-12-01T11:00:00.000Z'));
    clock.at = new Date('2026-12-03T16:00:00.000Z');
    const second = await runDigests(ports, settings);
    expect(second.since).toBe('2026-12-03T13:00:00.000Z');
    expect(second.digests.map((d) => [d.stream, d.firstSeq, d.lastSeq])).toEqual([['lookup#2026-12-01', 2, 2]]);
  });
});
