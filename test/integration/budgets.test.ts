import { describe, expect, it } from 'vitest';
import { OffsetClock } from '#adapters/local/offset-clock.ts';
import { hoursLeftInMonth } from '#domain/budget.ts';
import { useSandbox } from './sandbox-fixture.ts';

const clock = new OffsetClock();
const sb = useSandbox({ clock, meterSeconds: 3600, burstTickSeconds: 3600 });

describe('budgets through the sandbox', () => {
  it('answers a budget with spend, projection, affordable replicas and state', async () => {
    await sb.service('eligibility-api');
    expect((await sb.http('GET', '/budgets/eligibility-api')).status).toBe(404);
    const set = await sb.http('POST', '/budgets/eligibility-api', { monthlyUSD: 10_000 });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({
      service: 'eligibility-api',
      monthlyUSD: 10_000,
      spentUSD: 0,
      thresholds: [80, 100],
      state: 'ok',
      replicas: 4,
      tags: { agency: 'ED', program: 'FSA', fiscalYear: 'FY2026' },
    });
    // 500m / 1Gi bills as 0.5 vCPU and 2 GB at us-east-1 Fargate rates.
    expect(set.body.podHourUSD).toBeCloseTo(0.5 * 0.04048 + 2 * 0.004445, 6);
    expect(set.body.projectedUSD).toBeCloseTo(4 * set.body.podHourUSD * hoursLeftInMonth(clock.now()), 0);
    expect(set.body.maxAffordableReplicas).toBeGreaterThan(4);
  });

  it('clamps an alarm-driven scale-up to what the budget affords, and says so', async () => {
    const price = (await sb.http('GET', '/budgets/eligibility-api')).body.podHourUSD as number;
    // A cap that affords 6 replicas for the rest of the month.
    const monthlyUSD = Math.round(price * hoursLeftInMonth(clock.now()) * 6.5 * 100) / 100;
    expect((await sb.http('POST', '/budgets/eligibility-api', { monthlyUSD })).status).toBe(200);
    const rule = await sb.http('POST', '/autoscale-rules', {
      service: 'eligibility-api',
      minReplicas: 2,
      maxReplicas: 20,
      trigger: { metric: 'http_rps', threshold: 500 },
    });
    expect(rule.status).toBe(201);

    await sb.metric('eligibility-api', 'http_rps', 1_000);

    expect(sb.replicas('benefits', 'eligibility-api')).toBe(6);
    const status = await sb.http('GET', `/rules/${rule.body.ruleId}/status`);
    const reasons = status.body.lastDecision.reasons.join(' ');
    expect(reasons).toContain('ceil(4 × 1000 / 500) = 8');
    expect(reasons).toMatch(/capped at 6 replicas by budget: projected \$[\d,.]+ of \$[\d,.]+/);
    const budget = await sb.http('GET', '/budgets/eligibility-api');
    expect(budget.body).toMatchObject({ maxAffordableReplicas: 6, replicas: 6 });
    expect(budget.body.projectedUSD).toBeLessThanOrEqual(monthlyUSD);
  });

  it('clamps a manual scale-up the same way, and never holds back a manual scale-in', async () => {
    const up = await sb.http('POST', '/services/eligibility-api/scale', { replicas: 15 });
    expect(up.status).toBe(200);
    expect(up.body).toMatchObject({ from: 6, requested: 15, to: 6 });
    expect(up.body.reasons.join(' ')).toMatch(/capped at 6 replicas by budget/);
    const down = await sb.http('POST', '/services/eligibility-api/scale', { replicas: 3 });
    expect(down.body).toMatchObject({ from: 6, requested: 3, to: 3 });
    expect(sb.replicas('benefits', 'eligibility-api')).toBe(3);
    const bad = await sb.http('POST', '/services/eligibility-api/scale', { replicas: -1 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('replicas');
  });

  it('never clamps below minReplicas, and records that the floor exceeds the budget', async () => {
    await sb.service('receipt-svc');
    expect((await sb.http('POST', '/budgets/receipt-svc', { monthlyUSD: 0.01 })).status).toBe(200);
    const rule = await sb.http('POST', '/autoscale-rules', {
      service: 'receipt-svc',
      minReplicas: 3,
      maxReplicas: 10,
      trigger: { metric: 'queue_depth', threshold: 100 },
    });
    await sb.metric('receipt-svc', 'queue_depth', 400);
    expect(sb.replicas('benefits', 'receipt-svc')).toBe(3);
    const status = await sb.http('GET', `/rules/${rule.body.ruleId}/status`);
    expect(status.body.lastDecision.reasons.join(' ')).toContain('minReplicas 3 exceeds the budget');
    const audit = await sb.http('GET', '/audit?service=receipt-svc');
    expect(audit.body.records.map((r: { action: string }) => r.action)).toContain('budget.floor-exceeds');
  });

  it('publishes a threshold alert once per threshold per month, with an audit record', async () => {
    await sb.service('notification-svc');
    await sb.sandbox.meterNow();
    const hours = Math.min(1, hoursLeftInMonth(clock.now()) / 2);
    // notification-svc runs 2 pods; their spend over `hours` is 90% of this cap.
    const price = (await sb.http('POST', '/budgets/notification-svc', { monthlyUSD: 1_000 })).body.podHourUSD as number;
    const monthlyUSD = (2 * price * hours) / 0.9;
    expect((await sb.http('POST', '/budgets/notification-svc', { monthlyUSD, thresholds: [80, 100] })).status).toBe(200);

    clock.advance(hours * 3_600_000);
    await sb.sandbox.meterNow();
    clock.advance(60_000);
    await sb.sandbox.meterNow();
    await sb.sandbox.bus.drain();

    const events = (await sb.http('GET', '/sandbox/events')).body.items.filter(
      (e: { detailType: string; detail: { service: string } }) => e.detailType === 'BudgetThresholdCrossed' && e.detail.service === 'notification-svc',
    );
    expect(events).toHaveLength(1);
    expect(events[0].detail).toMatchObject({ thresholdPercent: 80, tags: { agency: 'ED' } });
    const budget = await sb.http('GET', '/budgets/notification-svc');
    // Spend is past 80%, and two pods for the rest of the month project past the cap.
    expect(budget.body.state).toBe('capped');
    // Two pods for `hours`, one minute and the test's own run time.
    expect(budget.body.spentUSD).toBeGreaterThanOrEqual(2 * price * (hours + 1 / 60));
    expect(budget.body.spentUSD).toBeLessThan(2 * price * (hours + 2 / 60));
    const audit = await sb.http('GET', '/audit?service=notification-svc');
    expect(audit.body.records.filter((r: { action: string }) => r.action === 'budget.threshold')).toHaveLength(1);
  });

  it('rolls budgets up by agency and removes a cap on DELETE', async () => {
    const all = await sb.http('GET', '/budgets?agency=ED');
    expect(all.status).toBe(200);
    expect(all.body.budgets.map((b: { service: string }) => b.service).sort()).toEqual(['eligibility-api', 'notification-svc', 'receipt-svc']);
    expect(all.body.totals.count).toBe(3);
    expect((await sb.http('GET', '/budgets?agency=FEMA')).body.totals).toMatchObject({ count: 0, monthlyUSD: 0 });

    expect((await sb.http('DELETE', '/budgets/receipt-svc')).status).toBe(200);
    expect((await sb.http('GET', '/budgets/receipt-svc')).status).toBe(404);
  });

  it.each([
    ['negative money', { monthlyUSD: -1 }, 'monthlyUSD'],
    ['a string', { monthlyUSD: '10000' }, 'monthlyUSD'],
    ['a threshold of 0', { monthlyUSD: 100, thresholds: [0] }, 'thresholds.0'],
    ['an unknown field', { monthlyUSD: 100, currency: 'EUR' }, null],
  ])('refuses %s', async (_label, body, field) => {
    const answer = await sb.http('POST', '/budgets/eligibility-api', body);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: expect.any(String), message: expect.any(String) });
    if (field) expect(answer.body.error.field).toBe(field);
  });

  it('needs the budgets.write scope to set a cap', async () => {
    const reader = sb.sandbox.tokens.reader!;
    expect((await sb.http('POST', '/budgets/eligibility-api', { monthlyUSD: 5 }, reader)).status).toBe(403);
    expect((await sb.http('GET', '/budgets/eligibility-api', undefined, reader)).status).toBe(200);
    expect((await sb.http('GET', '/budgets/eligibility-api', undefined, null)).status).toBe(401);
  });
});
