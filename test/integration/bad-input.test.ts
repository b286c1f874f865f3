import { describe, expect, it } from 'vitest';
import { useSandbox } from './sandbox-fixture.ts';

const sb = useSandbox();
const rule = { service: 'eligibility-api', minReplicas: 4, maxReplicas: 20, trigger: { metric: 'http_rps', threshold: 500 } };
const service = {
  name: 'intake',
  cluster: 'sandbox',
  namespace: 'benefits',
  deployment: 'eligibility-api',
  tags: { agency: 'ED', program: 'FSA', fiscalYear: 'FY2026' },
};

const cases: Array<[string, string, string, unknown, number, string, string | null]> = [
  ['malformed JSON', 'POST', '/autoscale-rules', '{"service": "eligibility-api",', 400, 'malformed_json', null],
  ['an empty body', 'POST', '/autoscale-rules', '', 400, 'missing_body', null],
  ['a JSON array', 'POST', '/autoscale-rules', '[1,2]', 400, 'invalid_body', null],
  ['a body over 64 KiB', 'POST', '/autoscale-rules', JSON.stringify({ ...rule, name: 'x'.repeat(70_000) }), 413, 'payload_too_large', null],
  ['an unknown field', 'POST', '/autoscale-rules', { ...rule, replicas: 5 }, 400, 'unknown_field', 'replicas'],
  ['negative replicas', 'POST', '/autoscale-rules', { ...rule, minReplicas: -1 }, 400, 'validation_failed', 'minReplicas'],
  ['fractional replicas', 'POST', '/autoscale-rules', { ...rule, maxReplicas: 7.5 }, 400, 'validation_failed', 'maxReplicas'],
  ['min above max', 'POST', '/autoscale-rules', { ...rule, minReplicas: 21 }, 400, 'validation_failed', 'maxReplicas'],
  ['max over 10,000', 'POST', '/autoscale-rules', { ...rule, maxReplicas: 10_001 }, 400, 'validation_failed', 'maxReplicas'],
  [
    'an infinite threshold',
    'POST',
    '/autoscale-rules',
    '{"service":"eligibility-api","minReplicas":4,"maxReplicas":20,"trigger":{"metric":"http_rps","threshold":1e999}}',
    400,
    'validation_failed',
    'trigger.threshold',
  ],
  [
    'a string threshold',
    'POST',
    '/autoscale-rules',
    { ...rule, trigger: { metric: 'http_rps', threshold: '500' } },
    400,
    'validation_failed',
    'trigger.threshold',
  ],
  ['an unknown service', 'POST', '/autoscale-rules', { ...rule, service: 'no-such-svc' }, 422, 'unknown_service', 'service'],
  ['a service name that is not a DNS label', 'POST', '/services', { ...service, name: 'Intake_API' }, 400, 'validation_failed', 'name'],
  ['a namespace over 63 characters', 'POST', '/services', { ...service, namespace: 'n'.repeat(64) }, 400, 'validation_failed', 'namespace'],
  ['missing tags', 'POST', '/services', { ...service, tags: undefined }, 400, 'validation_failed', 'tags'],
  ['an unmanaged cluster', 'POST', '/services', { ...service, cluster: 'other' }, 422, 'unknown_cluster', 'cluster'],
  [
    'an unpaired surrogate escape, which no audit record could hash',
    'POST',
    '/services',
    JSON.stringify(service).replace('"ED"', '"E\\ud800D"'),
    400,
    'malformed_json',
    'tags.agency',
  ],
  ['a malformed rule id', 'GET', '/autoscale-rules/rule-1', undefined, 400, 'validation_failed', 'id'],
  ['an unknown rule', 'GET', '/autoscale-rules/AR-999', undefined, 404, 'not_found', 'id'],
  ['an unknown query parameter', 'POST', '/autoscale-rules?dryrun=true', rule, 400, 'unknown_field', 'query.dryrun'],
  ['a bad dryRun value', 'POST', '/autoscale-rules?dryRun=yes', rule, 400, 'validation_failed', 'query.dryRun'],
  ['an empty edit', 'PATCH', '/autoscale-rules/AR-101', {}, 400, 'validation_failed', null],
  ['an edit making min above max', 'PATCH', '/autoscale-rules/AR-101', { minReplicas: 50 }, 400, 'validation_failed', 'maxReplicas'],
  ['a bad audit time', 'GET', '/audit?since=yesterday', undefined, 400, 'validation_failed', 'query.since'],
  ['an audit limit over 200', 'GET', '/audit?limit=1000', undefined, 400, 'validation_failed', 'query.limit'],
  ['an unknown route', 'GET', '/nothing-here', undefined, 404, 'not_found', null],
  ['a cursor this API never handed out', 'GET', '/audit?cursor=abc', undefined, 400, 'validation_failed', 'query.cursor'],
  [
    'a cursor from another query',
    'GET',
    '/audit?service=eligibility-api&cursor=eyJmZWVkIjp7IlMiOiJhdWRpdCJ9fQ',
    undefined,
    400,
    'validation_failed',
    'query.cursor',
  ],
  ['a badly percent-encoded rule id', 'GET', '/autoscale-rules/%E0', undefined, 400, 'validation_failed', 'id'],
  ['a badly percent-encoded service name', 'GET', '/services/%E0%A4', undefined, 400, 'validation_failed', 'name'],
  ['a second service with a taken name', 'POST', '/services', { ...service, name: 'eligibility-api' }, 409, 'conflict', 'name'],
  [
    'a 10 s period not declared high resolution',
    'POST',
    '/services',
    { ...service, metrics: { periodSeconds: 10 } },
    400,
    'validation_failed',
    'metrics.periodSeconds',
  ],
  [
    'a 30 s period with highResolution false',
    'POST',
    '/services',
    { ...service, metrics: { periodSeconds: 30, highResolution: false } },
    400,
    'validation_failed',
    'metrics.periodSeconds',
  ],
  [
    'a StorageResolution PutMetricData refuses',
    'POST',
    '/sandbox/metrics',
    { service: 'eligibility-api', metric: 'http_rps', value: 1, storageResolution: 10 },
    400,
    'validation_failed',
    'storageResolution',
  ],
];

describe('bad input', () => {
  it('is set up with one service and one rule', async () => {
    expect((await sb.service('eligibility-api')).status).toBe(201);
    expect((await sb.http('POST', '/autoscale-rules', rule)).body.ruleId).toBe('AR-101');
  });

  it.each(cases)('refuses %s with a 4xx naming the problem', async (_, method, path, body, status, code, field) => {
    const answer = await sb.http(method, path, body);
    expect(answer.status).toBe(status);
    expect(answer.body).toEqual({ error: { code, message: expect.any(String), field } });
  });

  it('wrote nothing for any refused request', async () => {
    const rules = (await sb.http('GET', '/autoscale-rules')).body.rules;
    expect(rules.map((r: { ruleId: string }) => r.ruleId)).toEqual(['AR-101']);
    expect(rules[0]).toMatchObject({ minReplicas: 4, maxReplicas: 20 });
    expect((await sb.http('GET', '/services')).body.services).toHaveLength(1);
    const audit = (await sb.http('GET', '/audit')).body.records.map((r: { action: string }) => r.action);
    expect(audit.sort()).toEqual(['rule.create', 'service.create']);
    expect(sb.sandbox.alarms.alarmState('hms-sys-AR-102-scale-out')).toBeNull();
  });

  it('says why a sub-minute period on a standard-resolution metric is refused, and accepts it declared high resolution', async () => {
    const refused = await sb.http('POST', '/services', { ...service, metrics: { periodSeconds: 10 } });
    expect(refused.body.error.message).toMatch(
      /^metrics\.periodSeconds .*one-minute resolution.*between datapoints.*StorageResolution 1 and set metrics\.highResolution: true/,
    );
    const accepted = await sb.http('POST', '/services', { ...service, metrics: { periodSeconds: 10, highResolution: true } });
    expect(accepted.status).toBe(201);
    expect(accepted.body.metrics).toEqual({ periodSeconds: 10, highResolution: true });
    expect((await sb.http('POST', '/sandbox/metrics', { service: 'intake', metric: 'http_rps', value: 1 })).body.storageResolution).toBe(60);
    expect((await sb.http('POST', '/sandbox/metrics', { service: 'intake', metric: 'http_rps', value: 1, storageResolution: 1 })).body.storageResolution).toBe(
      1,
    );
  });
});
