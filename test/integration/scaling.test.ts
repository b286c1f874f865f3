import { describe, expect, it } from 'vitest';
import { OffsetClock } from '#adapters/local/offset-clock.ts';
import { useSandbox } from './sandbox-fixture.ts';

const clock = new OffsetClock();
const sb = useSandbox({ clock });

describe('alarm-driven scaling through the sandbox', () => {
  it('scales eligibility-api out when http_rps crosses the threshold, audits it and reports status', async () => {
    expect((await sb.service('eligibility-api')).status).toBe(201);
    const created = await sb.http('POST', '/autoscale-rules', {
      service: 'eligibility-api',
      minReplicas: 4,
      maxReplicas: 20,
      trigger: { metric: 'http_rps', threshold: 500 },
    });
    expect(created.status).toBe(201);
    expect(created.body.ruleId).toMatch(/^AR-1\d\d$/);
    expect(sb.replicas('benefits', 'eligibility-api')).toBe(4);

    await sb.metric('eligibility-api', 'http_rps', 1_000);

    expect(sb.replicas('benefits', 'eligibility-api')).toBe(8);
    const audit = await sb.http('GET', '/audit?service=eligibility-api');
    const applied = audit.body.records.find((r: { action: string }) => r.action === 'scale.apply');
    expect(applied).toMatchObject({
      actor: 'role/hms-sys-scaler',
      outcome: 'success',
      before: { replicas: 4 },
      after: { replicas: 8 },
      tags: { agency: 'ED', program: 'FSA', fiscalYear: 'FY2026' },
    });
    expect(applied.reasons.join(' ')).toContain('ceil(4 × 1000 / 500) = 8');
    expect(applied.prevHash).toMatch(/^[0-9a-f]{64}$/);

    const status = await sb.http('GET', `/rules/${created.body.ruleId}/status`);
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({ replicas: 8, metric: 1_000, state: 'ALARM', lastDecision: { action: 'scale-out', desiredReplicas: 8 } });
    const verify = await sb.http('GET', '/audit/verify?service=eligibility-api');
    expect(verify.body).toMatchObject({ intact: true });
    expect(verify.body.records).toBeGreaterThanOrEqual(3);
  });

  it('holds scale-in for the 300 s stabilization window, then scales back to minReplicas', async () => {
    await sb.service('receipt-svc');
    const rule = await sb.http('POST', '/autoscale-rules', {
      service: 'receipt-svc',
      minReplicas: 2,
      maxReplicas: 10,
      trigger: { metric: 'http_rps', threshold: 100 },
      scaleInThreshold: 40,
    });
    expect(rule.body.alarms).toEqual([`hms-sys-${rule.body.ruleId}-scale-out`, `hms-sys-${rule.body.ruleId}-scale-in`]);
    await sb.metric('receipt-svc', 'http_rps', 400);
    expect(sb.replicas('benefits', 'receipt-svc')).toBe(8);

    clock.advance(61_000);
    await sb.metric('receipt-svc', 'http_rps', 10);
    expect(sb.replicas('benefits', 'receipt-svc')).toBe(8);
    const held = await sb.http('GET', `/rules/${rule.body.ruleId}/status`);
    expect(held.body.lastDecision.reasons.join(' ')).toContain('stabilization window');

    clock.advance(300_000);
    await sb.metric('receipt-svc', 'http_rps', 10); // still in ALARM: no new event, the reconcile pass acts
    await sb.sandbox.reconcileNow();
    expect(sb.replicas('benefits', 'receipt-svc')).toBe(2);
  });

  it('a reconcile pass re-evaluates a rule whose alarm stayed in ALARM, so a lost event strands nothing', async () => {
    await sb.service('fema-portal', 'fema');
    const rule = await sb.http('POST', '/autoscale-rules', {
      service: 'fema-portal',
      minReplicas: 10,
      maxReplicas: 100,
      trigger: { metric: 'http_rps', threshold: 500 },
    });
    const before = sb.replicas('fema', 'fema-portal');
    // The datapoint moves the alarm to ALARM, but its event is lost on the way.
    const publish = sb.sandbox.bus.publish.bind(sb.sandbox.bus);
    sb.sandbox.bus.publish = async () => [];
    await sb.metric('fema-portal', 'http_rps', 1_500);
    sb.sandbox.bus.publish = publish;
    expect(sb.replicas('fema', 'fema-portal')).toBe(before);

    await sb.sandbox.reconcileNow();
    expect(sb.replicas('fema', 'fema-portal')).toBe(30);
    const status = await sb.http('GET', `/rules/${rule.body.ruleId}/status`);
    expect(status.body.lastDecision.source).toBe('reconcile');
  });
});
