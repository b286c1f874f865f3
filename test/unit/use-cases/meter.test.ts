import { beforeEach, describe, expect, it } from 'vitest';
import { setBudget } from '#use-cases/budgets.ts';
import { meterUsage } from '#use-cases/meter.ts';
import type { memoryPorts } from './memory-ports.ts';
import { PORTAL, seededPorts } from './seeded-ports.ts';

const caller = { actor: 'role/hms-sys-meter', requestId: 'tick' };
const HOUR = 3_600_000;
let env: ReturnType<typeof memoryPorts>;
/** 0.5 vCPU / 1 GiB bills as 0.5 vCPU and 2 GB at us-east-1 rates. */
const PRICE = 0.5 * 0.04048 + 2 * 0.004445;

const at = (iso: string) => {
  env.clock.current = new Date(iso);
};
const usage = (month: string) => env.ports.ledger.getUsage('portal', month);

beforeEach(async () => {
  env = await seededPorts(caller, { now: new Date('2026-11-23T10:00:00Z'), service: PORTAL });
});

describe('meterUsage', () => {
  it('accrues replica-time since the last reading, and a duplicate run adds nothing', async () => {
    await meterUsage(env.ports, caller);
    at('2026-11-23T12:00:00Z');
    await meterUsage(env.ports, caller);
    await meterUsage(env.ports, caller);
    expect((await usage('2026-11'))!.spentUSD).toBeCloseTo(4 * PRICE * 2, 10);
  });

  it('counts warm-up placeholder pods while a burst holds the service', async () => {
    await meterUsage(env.ports, caller);
    await env.ports.ledger.claimActiveBurst('portal', 'BU-1');
    await env.ports.cluster.ensurePlaceholders(
      { cluster: 'sandbox', namespace: 'fema', deployment: 'portal' },
      { replicas: 6, podRequests: { vcpu: 0.5, memoryGiB: 1 } },
    );
    at('2026-11-23T10:01:00Z');
    await meterUsage(env.ports, caller);
    at('2026-11-23T11:01:00Z');
    await meterUsage(env.ports, caller);
    expect((await usage('2026-11'))!.spentUSD).toBeCloseTo((4 * PRICE) / 60 + 10 * PRICE, 10);
  });

  it('closes the old month at midnight UTC and starts the new one with its own share', async () => {
    at('2026-11-30T23:00:00Z');
    await meterUsage(env.ports, caller);
    at('2026-12-01T01:00:00Z');
    await meterUsage(env.ports, caller);
    expect((await usage('2026-11'))!.spentUSD).toBeCloseTo(4 * PRICE, 10);
    expect((await usage('2026-12'))!).toMatchObject({ month: '2026-12', alerted: [] });
    expect((await usage('2026-12'))!.spentUSD).toBeCloseTo(4 * PRICE, 10);
  });

  it('keeps an alert it could not publish and sends it on the next run, once', async () => {
    await meterUsage(env.ports, caller);
    await setBudget(env.ports, caller, 'portal', { monthlyUSD: (4 * PRICE * 2) / 0.85 }, { dryRun: false });
    at('2026-11-23T12:00:00Z');
    env.ports.events.failNext = 1;
    const failed = await meterUsage(env.ports, caller);
    expect(failed.errors).toHaveLength(1);
    expect(env.ports.events.published).toHaveLength(0);
    expect(await usage('2026-11')).toMatchObject({ alerted: [80], pendingAlerts: [expect.objectContaining({ detailType: 'BudgetThresholdCrossed' })] });

    at('2026-11-23T12:01:00Z');
    expect((await meterUsage(env.ports, caller)).alerts).toBe(1);
    at('2026-11-23T12:02:00Z');
    expect((await meterUsage(env.ports, caller)).alerts).toBe(0);
    expect(env.ports.events.published.map((e) => [e.detailType, e.detail.thresholdPercent])).toEqual([['BudgetThresholdCrossed', 80]]);
    expect(env.ports.audit.records.filter((r) => r.action === 'budget.threshold')).toHaveLength(1);
  });

  it("alerts once a month when the rules' minReplicas alone would break the cap", async () => {
    await meterUsage(env.ports, caller);
    await setBudget(env.ports, caller, 'portal', { monthlyUSD: 1 }, { dryRun: false });
    await env.ports.store.putRule({ ruleId: 'AR-101', service: 'portal', minReplicas: 10 } as never, null);
    at('2026-11-23T10:01:00Z');
    await meterUsage(env.ports, caller);
    at('2026-11-23T10:02:00Z');
    await meterUsage(env.ports, caller);
    const floor = env.ports.events.published.filter((e) => e.detailType === 'BudgetFloorExceedsCap');
    expect(floor).toHaveLength(1);
    expect(floor[0]!.detail).toMatchObject({ minReplicas: 10, monthlyUSD: 1 });
  });
});
