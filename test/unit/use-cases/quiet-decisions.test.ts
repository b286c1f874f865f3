import { beforeEach, describe, expect, it } from 'vitest';
import { QUIET_SUMMARY_MS, quietVerdict } from '#domain/audit-quiet.ts';
import { reconcile } from '#use-cases/reconcile.ts';
import type { memoryPorts } from './memory-ports.ts';
import { seededPorts } from './seeded-ports.ts';

const caller = { actor: 'role/hms-sys-reconciler', requestId: 'pass' };
const MINUTE = 60_000;
let env: ReturnType<typeof memoryPorts>;

beforeEach(async () => {
  env = await seededPorts(caller, { now: new Date('2026-11-23T00:00:00Z'), rule: true });
});

/** One reconcile pass a minute, the scale-out alarm stuck in ALARM with traffic at twice the threshold. */
async function passes(from: number, to: number, beforeEach: (minute: number) => void = () => {}) {
  for (let minute = from; minute < to; minute++) {
    env.clock.current = new Date(Date.parse('2026-11-23T00:00:00Z') + minute * MINUTE);
    env.ports.metrics.inAlarm = ['hms-sys-AR-101-scale-out'];
    env.ports.metrics.value = { value: 1_000, periodStart: new Date(env.clock.current.getTime() - MINUTE).toISOString() };
    beforeEach(minute);
    await reconcile(env.ports, caller, `pass-${minute}`);
  }
}

const scaleRecords = () => env.ports.audit.records.filter((r) => r.action.startsWith('scale.'));

describe('a stuck alarm over a simulated day', () => {
  it('audits the unchanged decision once, then at most one summary an hour, counting every pass', async () => {
    env.ports.cluster.replicas = 20; // at maxReplicas: every pass decides "no change"
    await passes(0, 1_440);

    const records = scaleRecords();
    expect(records.every((r) => r.action === 'scale.decide')).toBe(true);
    expect(records.length).toBeLessThanOrEqual(1 + 24);
    expect(records.length).toBeGreaterThanOrEqual(24);
    const hours = records.map((r) => r.time.slice(0, 13));
    expect(new Set(hours.slice(1)).size).toBe(hours.length - 1);

    // Every pass is accounted for: the first record, the summaries' counts, and those not yet summarised.
    const summarised = records.reduce((n, r) => n + ((r.after as { unchangedPasses?: number }).unchangedPasses ?? 0), 0);
    const pending = (await env.ports.store.getScaling('eligibility-api'))!.rules['AR-101']!.quiet!.suppressed;
    expect(1 + summarised + pending).toBe(1_440);
    expect(records[1]!.reasons[0]).toMatch(/^summary: 60 passes since 2026-11-23T00:01:00.000Z decided the same/);
  });

  it('records a change in the same pass it happens, and the unchanged decision after it anew', async () => {
    env.ports.cluster.replicas = 20;
    await passes(0, 600, (minute) => {
      if (minute === 400) env.ports.cluster.replicas = 12; // someone scaled it down by hand
    });

    const records = scaleRecords();
    const applied = records.filter((r) => r.action === 'scale.apply');
    expect(applied).toHaveLength(1);
    expect(applied[0]).toMatchObject({ time: '2026-11-23T06:40:00.000Z', before: { replicas: 12 }, after: { replicas: 20 } });
    expect(applied[0]!.reasons[0]).toMatch(/^before this, \d+ unchanged passes since .* were not recorded one by one$/);
    const afterChange = records.filter((r) => r.time > '2026-11-23T06:40:00.000Z');
    expect(afterChange[0]).toMatchObject({ action: 'scale.decide', time: '2026-11-23T06:41:00.000Z' });
    expect(afterChange[0]!.reasons[0]).not.toMatch(/^summary/);
    expect(records.length).toBeLessThanOrEqual(2 + 1 + 10 + 1);
  });
});

describe('quietVerdict', () => {
  const now = new Date('2026-11-23T12:00:00Z');
  const same = { changed: false, signature: 'a' };

  it('records a first unchanged decision, then counts repeats inside the window', () => {
    const first = quietVerdict(undefined, same, now);
    expect(first).toEqual({ kind: 'record', state: { signature: 'a', recordedAt: now.toISOString(), suppressed: 0 }, earlier: null });
    const second = quietVerdict(first.state, same, new Date(now.getTime() + MINUTE));
    expect(second).toMatchObject({ kind: 'suppress', state: { suppressed: 1, suppressedSince: '2026-11-23T12:01:00.000Z' } });
  });

  it('summarises once the window has passed, and records a different answer at once', () => {
    const state = { signature: 'a', recordedAt: now.toISOString(), suppressed: 58, suppressedSince: '2026-11-23T12:01:00.000Z' };
    expect(quietVerdict(state, same, new Date(now.getTime() + QUIET_SUMMARY_MS - 1)).kind).toBe('suppress');
    expect(quietVerdict(state, same, new Date(now.getTime() + QUIET_SUMMARY_MS))).toMatchObject({
      kind: 'summary',
      count: { passes: 59, since: '2026-11-23T12:01:00.000Z' },
      state: { suppressed: 0 },
    });
    expect(quietVerdict(state, { changed: false, signature: 'b' }, now)).toMatchObject({ kind: 'record', earlier: { passes: 58 } });
    expect(quietVerdict(state, { changed: true, signature: 'a' }, now)).toMatchObject({ kind: 'record', state: undefined, earlier: { passes: 58 } });
  });
});
