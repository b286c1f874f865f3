import { describe, expect, it } from 'vitest';
import { httpRoutes as routes } from '#functions/http-routes.ts';
import { useSandbox } from './sandbox-fixture.ts';

const sb = useSandbox();
const chapter5 = { service: 'eligibility-api', minReplicas: 4, maxReplicas: 20, trigger: { metric: 'http_rps', threshold: 500 } };
const auditCount = async () => (await sb.http('GET', '/audit?limit=200')).body.records.length;

describe('rules API', () => {
  it("answers chapter 5's payload with AR-101, then increasing ids", async () => {
    await sb.service('eligibility-api');
    const first = await sb.http('POST', '/autoscale-rules', chapter5);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ ruleId: 'AR-101', ...chapter5, scaleInStabilizationSeconds: 300, alarms: ['hms-sys-AR-101-scale-out'] });
    const second = await sb.http('POST', '/autoscale-rules', { ...chapter5, name: 'eligibility-surge-Q3', scaleInThreshold: 100 });
    expect(second.body.ruleId).toBe('AR-102');
    expect(sb.sandbox.alarms.alarmState('hms-sys-AR-102-scale-in')).not.toBeNull();
  });

  it('reads rules one by one and as a list filtered by service', async () => {
    expect((await sb.http('GET', '/autoscale-rules/AR-102')).body.name).toBe('eligibility-surge-Q3');
    expect((await sb.http('GET', '/autoscale-rules?service=eligibility-api')).body.rules).toHaveLength(2);
    expect((await sb.http('GET', '/autoscale-rules?service=other')).body.rules).toHaveLength(0);
  });

  it('previews a create with ?dryRun=true and changes nothing', async () => {
    const audits = await auditCount();
    const preview = await sb.http('POST', '/autoscale-rules?dryRun=true', { ...chapter5, maxReplicas: 30 });
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({ dryRun: true, replicas: { current: 4, min: 4, max: 30, afterClamp: 4 } });
    expect(preview.body.alarms[0]).toMatchObject({ name: 'hms-sys-AR-{id}-scale-out', threshold: 500 });
    expect((await sb.http('GET', '/autoscale-rules')).body.rules).toHaveLength(2);
    expect(await auditCount()).toBe(audits);
    expect((await sb.http('POST', '/autoscale-rules', chapter5)).body.ruleId).toBe('AR-103');
  });

  it('edits a rule and its alarms follow: adding and clearing the scale-in threshold', async () => {
    const added = await sb.http('PATCH', '/autoscale-rules/AR-101', { scaleInThreshold: 200, maxReplicas: 25 });
    expect(added.status).toBe(200);
    expect(added.body).toMatchObject({ maxReplicas: 25, scaleInThreshold: 200, version: 2, alarms: ['hms-sys-AR-101-scale-out', 'hms-sys-AR-101-scale-in'] });
    expect(sb.sandbox.alarms.alarmState('hms-sys-AR-101-scale-in')).not.toBeNull();

    const preview = await sb.http('PATCH', '/autoscale-rules/AR-101?dryRun=true', { scaleInThreshold: null });
    expect(preview.body.alarmsDeleted).toEqual(['hms-sys-AR-101-scale-in']);
    expect(sb.sandbox.alarms.alarmState('hms-sys-AR-101-scale-in')).not.toBeNull();

    const cleared = await sb.http('PATCH', '/autoscale-rules/AR-101', { scaleInThreshold: null });
    expect(cleared.body.alarms).toEqual(['hms-sys-AR-101-scale-out']);
    expect(cleared.body).not.toHaveProperty('scaleInThreshold');
    expect(sb.sandbox.alarms.alarmState('hms-sys-AR-101-scale-in')).toBeNull();
  });

  it('deletes a rule with its alarms, after a dry run that deletes nothing', async () => {
    expect((await sb.http('DELETE', '/autoscale-rules/AR-102?dryRun=true')).body).toMatchObject({
      dryRun: true,
      alarmsDeleted: ['hms-sys-AR-102-scale-out', 'hms-sys-AR-102-scale-in'],
    });
    expect((await sb.http('GET', '/autoscale-rules/AR-102')).status).toBe(200);
    const deleted = await sb.http('DELETE', '/autoscale-rules/AR-102');
    expect(deleted.body).toEqual({ deleted: 'AR-102', alarmsDeleted: ['hms-sys-AR-102-scale-out', 'hms-sys-AR-102-scale-in'] });
    expect((await sb.http('GET', '/autoscale-rules/AR-102')).status).toBe(404);
    expect(sb.sandbox.alarms.alarmState('hms-sys-AR-102-scale-out')).toBeNull();
  });

  it('refuses to delete a service that rules still target, and lists and reads services', async () => {
    const refused = await sb.http('DELETE', '/services/eligibility-api');
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain('AR-101');
    expect((await sb.http('GET', '/services')).body.services.map((s: { name: string }) => s.name)).toEqual(['eligibility-api']);
    expect((await sb.http('GET', '/services/eligibility-api')).body).toMatchObject({ namespace: 'benefits', deployment: 'eligibility-api' });
    expect((await sb.http('GET', '/services/nope')).status).toBe(404);
  });

  it('deletes a service no rule targets, after a dry run that keeps it', async () => {
    expect((await sb.service('receipt-svc')).status).toBe(201);
    expect((await sb.http('DELETE', '/services/receipt-svc?dryRun=true')).body).toMatchObject({ dryRun: true });
    expect((await sb.http('GET', '/services/receipt-svc')).status).toBe(200);
    expect((await sb.http('DELETE', '/services/receipt-svc')).body).toEqual({ deleted: 'receipt-svc' });
    expect((await sb.http('GET', '/services/receipt-svc')).status).toBe(404);
  });

  it('pages through the audit trail newest first', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { records: Array<{ time: string; seq: number; stream: string }>; nextCursor: string | null } } = await sb.http(
        'GET',
        `/audit?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.body.records.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.records.map((r) => `${r.time}|${r.stream}|${r.seq}`));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen.length).toBe(await auditCount());
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort().reverse()).toEqual(seen);
  });

  it('serves an OpenAPI 3.1 document covering every route, with the request schemas', async () => {
    const doc = (await sb.http('GET', '/openapi.json')).body;
    expect(doc.openapi).toBe('3.1.0');
    for (const route of routes) expect(doc.paths[route.path]?.[route.method.toLowerCase()]?.operationId).toBe(route.operationId);
    const body = doc.paths['/autoscale-rules'].post.requestBody.content['application/json'].schema;
    expect(body.required).toEqual(expect.arrayContaining(['service', 'minReplicas', 'maxReplicas', 'trigger']));
    expect(body.additionalProperties).toBe(false);
    expect(body.properties.maxReplicas.maximum).toBe(10_000);
  });
});
