import { describe, expect, it } from 'vitest';
import { useSandbox } from './sandbox-fixture.ts';

const sb = useSandbox();
const rule = (service: string, threshold = 500) => ({ service, minReplicas: 2, maxReplicas: 10, trigger: { metric: 'http_rps', threshold } });
const register = (name: string) => sb.service(name, 'benefits', 'receipt-svc');
const rulesOf = async (service: string) =>
  ((await sb.http('GET', `/autoscale-rules?service=${service}`)).body.rules as Array<{ ruleId: string }>).map((r) => r.ruleId);
const alarmExists = (name: string) => sb.sandbox.alarms.alarmState(name) !== null;

describe('deleting a service that rules target', () => {
  it('refuses with 409 naming the rules, and keeps the service, the rules and their alarms', async () => {
    expect((await register('intake')).status).toBe(201);
    const created = await Promise.all([sb.http('POST', '/autoscale-rules', rule('intake')), sb.http('POST', '/autoscale-rules', rule('intake', 800))]);
    const ids = created.map((c) => c.body.ruleId as string);
    const refused = await sb.http('DELETE', '/services/intake');
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'conflict', field: 'name' });
    for (const id of ids) expect(refused.body.error.message).toContain(id);
    expect((await sb.http('GET', '/services/intake')).status).toBe(200);
    expect(await rulesOf('intake')).toEqual(expect.arrayContaining(ids));
    // A refused delete leaves no mark behind: the service still takes rules and edits.
    expect((await sb.http('POST', '/autoscale-rules', rule('intake', 900))).status).toBe(201);
  });

  it('with ?cascade=true deletes the rules and their alarms first, then the service', async () => {
    const rules = (await sb.http('GET', '/autoscale-rules?service=intake')).body.rules as Array<{ ruleId: string; alarms: string[] }>;
    const alarms = rules.flatMap((r) => r.alarms);
    expect(alarms.every(alarmExists)).toBe(true);
    const preview = await sb.http('DELETE', '/services/intake?cascade=true&dryRun=true');
    expect(preview.status).toBe(200);
    expect(preview.body.rulesDeleted).toEqual(rules.map((r) => r.ruleId));
    expect(await rulesOf('intake')).toHaveLength(rules.length);

    const deleted = await sb.http('DELETE', '/services/intake?cascade=true');
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ deleted: 'intake', rulesDeleted: rules.map((r) => r.ruleId) });
    expect((await sb.http('GET', '/services/intake')).status).toBe(404);
    expect(await rulesOf('intake')).toEqual([]);
    expect(alarms.some(alarmExists)).toBe(false);
  });

  it('refuses a cascade value that is not true or false, naming the field', async () => {
    const answer = await sb.http('DELETE', '/services/intake?cascade=yes');
    expect(answer.status).toBe(400);
    expect(answer.body.error.field).toBe('query.cascade');
  });
});

describe('deleting a service while rules are being created for it', () => {
  it.each([false, true])('never leaves a rule or an alarm pointing at a deleted service (cascade %s, 6 rounds)', async (cascade) => {
    let deletedRounds = 0;
    for (let round = 0; round < 6; round += 1) {
      const name = `race-${cascade ? 'c' : 'p'}${round}`;
      expect((await register(name)).status).toBe(201);
      const creates = Array.from({ length: 4 }, (_, i) => sb.http('POST', '/autoscale-rules', rule(name, 500 + i)));
      const deletion = sb.http('DELETE', `/services/${name}${cascade ? '?cascade=true' : ''}`);
      const [deleted, ...answers] = await Promise.all([deletion, ...creates]);

      for (const a of answers) expect([201, 422]).toContain(a.status);
      expect([200, 409], JSON.stringify(deleted.body)).toContain(deleted.status);
      const made = answers.filter((a) => a.status === 201).map((a) => a.body as { ruleId: string; alarms: string[] });
      const serviceGone = (await sb.http('GET', `/services/${name}`)).status === 404;
      expect(serviceGone).toBe(deleted.status === 200);
      if (serviceGone) {
        deletedRounds += 1;
        expect(await rulesOf(name)).toEqual([]);
        expect(made.flatMap((r) => r.alarms).some(alarmExists)).toBe(false);
      } else {
        expect((await rulesOf(name)).sort()).toEqual(made.map((r) => r.ruleId).sort());
        // The refusal names the rules it found then (some may be creations that saw the mark and undid themselves).
        expect(deleted.body.error.message).toMatch(/targeted by AR-\d+/);
        await sb.http('DELETE', `/services/${name}?cascade=true`);
      }
    }
    // With cascade every delete goes through; without, some may lose to a rule created first.
    if (cascade) expect(deletedRounds).toBe(6);
  });
});

describe('deleting a service that has a budget', () => {
  it('deletes the budget too, audited, so neither the totals nor a new service of the name inherit it', async () => {
    expect((await register('orph')).status).toBe(201);
    expect((await sb.http('POST', '/budgets/orph', { monthlyUSD: 77 })).status).toBe(200);
    await sb.sandbox.meterNow();
    const before = (await sb.http('GET', '/budgets')).body;
    expect(before.budgets.map((b: { service: string }) => b.service)).toContain('orph');

    expect((await sb.http('DELETE', '/services/orph')).status).toBe(200);
    const after = (await sb.http('GET', '/budgets')).body;
    expect(after.budgets.map((b: { service: string }) => b.service)).not.toContain('orph');
    expect(after.totals).toMatchObject({ count: before.totals.count - 1, monthlyUSD: before.totals.monthlyUSD - 77 });
    const records = (await sb.http('GET', '/audit?service=orph')).body.records as Array<{ action: string; reasons: string[] }>;
    expect(records.find((r) => r.action === 'budget.delete')).toMatchObject({ reasons: ['service orph was deleted'] });

    const again = await sb.http('POST', '/services', {
      name: 'orph',
      cluster: 'sandbox',
      namespace: 'benefits',
      deployment: 'receipt-svc',
      tags: { agency: 'IRS', program: 'Receipts', fiscalYear: 'FY2027' },
    });
    expect(again.status).toBe(201);
    expect((await sb.http('GET', '/budgets/orph')).status).toBe(404);
    // A new budget for the new service starts from no reading: the old one's spend and replicas are gone.
    expect((await sb.http('POST', '/budgets/orph', { monthlyUSD: 50 })).status).toBe(200);
    const fresh = ((await sb.http('GET', '/budgets')).body.budgets as Array<{ service: string }>).find((b) => b.service === 'orph');
    expect(fresh).toMatchObject({ spentUSD: 0, replicas: 0, priceBasis: 'not metered yet', tags: { agency: 'IRS' } });
    expect((await sb.http('GET', '/budgets?agency=ED')).body.budgets.map((b: { service: string }) => b.service)).not.toContain('orph');
  });
});
