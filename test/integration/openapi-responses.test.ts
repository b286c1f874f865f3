import { describe, expect, it } from 'vitest';
import { responseChecker } from '../unit/functions/openapi-responses.ts';
import { type HttpAnswer, useSandbox } from './sandbox-fixture.ts';

const sb = useSandbox();
const tags = { agency: 'ED', program: 'FSA', fiscalYear: 'FY2026' };

/**
 * Real answers from the sandbox, over HTTP, checked against the schema the served OpenAPI
 * document gives for that path, method and status.
 */
describe('answers match the OpenAPI document', () => {
  let check: ReturnType<typeof responseChecker>['check'];
  /** Calls the sandbox, expects `status`, and checks the body against the documented schema of `template`. */
  async function call(method: string, path: string, template: string, status: number, body?: unknown): Promise<HttpAnswer> {
    const answer = await sb.http(method, path, body);
    expect(answer.status, `${method} ${path}: ${JSON.stringify(answer.body)}`).toBe(status);
    expect(check(method, template, status, answer.body)).toBeNull();
    return answer;
  }

  it('serves a document whose own answer matches it', async () => {
    const served = await sb.http('GET', '/openapi.json');
    expect(served.status).toBe(200);
    check = responseChecker(served.body).check;
    expect(check('GET', '/openapi.json', 200, served.body)).toBeNull();
  });

  it('services: create (and its dry run), list, get, and the errors', async () => {
    const service = { name: 'eligibility-api', cluster: 'sandbox', namespace: 'benefits', deployment: 'eligibility-api', tags, podHourUSD: 0.05 };
    await call('POST', '/services?dryRun=true', '/services', 200, service);
    await call('POST', '/services', '/services', 201, service);
    await call('GET', '/services', '/services', 200);
    await call('GET', '/services/eligibility-api', '/services/{name}', 200);
    await call('GET', '/services/nosuch', '/services/{name}', 404);
    await call('POST', '/services', '/services', 400, { ...service, name: 'Not A Label' });
    await call('POST', '/services', '/services', 409, service);
  });

  it('rules: create, get, status, a dry-run edit, and the list', async () => {
    const rule = { service: 'eligibility-api', minReplicas: 2, maxReplicas: 20, trigger: { metric: 'http_rps', threshold: 500 }, scaleInThreshold: 100 };
    await call('POST', '/autoscale-rules?dryRun=true', '/autoscale-rules', 200, rule);
    const created = await call('POST', '/autoscale-rules', '/autoscale-rules', 201, rule);
    const id = created.body.ruleId as string;
    await call('GET', `/autoscale-rules/${id}`, '/autoscale-rules/{id}', 200);
    await sb.metric('eligibility-api', 'http_rps', 900);
    await call('GET', `/rules/${id}/status`, '/rules/{id}/status', 200);
    await call('PATCH', `/autoscale-rules/${id}?dryRun=true`, '/autoscale-rules/{id}', 200, { maxReplicas: 25 });
    await call('GET', '/autoscale-rules?service=eligibility-api', '/autoscale-rules', 200);
  });

  it('budgets and scaling by hand', async () => {
    await call('POST', '/budgets/eligibility-api?dryRun=true', '/budgets/{service}', 200, { monthlyUSD: 5000 });
    await call('POST', '/budgets/eligibility-api', '/budgets/{service}', 200, { monthlyUSD: 5000, thresholds: [50, 100] });
    await call('GET', '/budgets/eligibility-api', '/budgets/{service}', 200);
    await call('GET', '/budgets?agency=ED', '/budgets', 200);
    await call('POST', '/services/eligibility-api/scale?dryRun=true', '/services/{name}/scale', 200, { replicas: 6 });
    await call('POST', '/services/eligibility-api/scale', '/services/{name}/scale', 200, { replicas: 6 });
  });

  it('bursts: a dry run, a create, its status and a cancel', async () => {
    const burst = { service: 'eligibility-api', fromPods: 6, toPods: 12, maxCostPerHourUSD: 50, holdMinutes: 30 };
    await call('POST', '/bursts?dryRun=true', '/bursts', 200, burst);
    const created = await call('POST', '/bursts', '/bursts', 201, burst);
    const id = created.body.burstId as string;
    await call('GET', `/bursts/${id}`, '/bursts/{id}', 200);
    await call('DELETE', `/bursts/${id}?dryRun=true`, '/bursts/{id}', 200);
    await call('DELETE', `/bursts/${id}`, '/bursts/{id}', 200);
    await call('GET', '/bursts/BU-999', '/bursts/{id}', 404);
  });

  it('the audit trail and its verification', async () => {
    const page = await call('GET', '/audit?limit=3', '/audit', 200);
    expect(page.body.records).toHaveLength(3);
    await call('GET', `/audit?limit=3&cursor=${page.body.nextCursor}`, '/audit', 200);
    await call('GET', '/audit?service=eligibility-api&limit=50', '/audit', 200);
    await call('GET', '/audit/verify?service=eligibility-api', '/audit/verify', 200);
    await call('GET', '/audit/verify?from=genesis', '/audit/verify', 200);
  });

  it('secrets and database credentials', async () => {
    const { arn } = await sb.sandbox.secrets.secrets.create({
      name: 'app/token',
      value: 'v1',
      description: 'a token',
      tags: { 'hms:rotation-strategy': 'random-token', 'hms:rotation-policy': '24h' },
    });
    await sb.sandbox.secrets.secrets.schedule(arn, { every: '24h', scheduleExpression: 'rate(1 day)' });
    await call('GET', '/secrets', '/secrets', 200);
    await call('POST', '/secrets/rotate', '/secrets/rotate', 202, { secret: arn });
    await call('GET', '/db-credentials', '/db-credentials', 200);
    await call('POST', '/db-credentials/revoke', '/db-credentials/revoke', 404, { arn: `${arn.slice(0, -6)}NoSuch` });
  });

  it('deletes with dry runs first', async () => {
    await call('DELETE', '/budgets/eligibility-api?dryRun=true', '/budgets/{service}', 200);
    await call('DELETE', '/budgets/eligibility-api', '/budgets/{service}', 200);
    const rules = (await sb.http('GET', '/autoscale-rules')).body.rules as Array<{ ruleId: string }>;
    await call('DELETE', `/autoscale-rules/${rules[0]!.ruleId}?dryRun=true`, '/autoscale-rules/{id}', 200);
    await call('DELETE', `/autoscale-rules/${rules[0]!.ruleId}`, '/autoscale-rules/{id}', 200);
    await call('POST', '/autoscale-rules', '/autoscale-rules', 201, {
      service: 'eligibility-api',
      minReplicas: 2,
      maxReplicas: 8,
      trigger: { metric: 'cpu', threshold: 70 },
    });
    await call('DELETE', '/services/eligibility-api?dryRun=true', '/services/{name}', 409);
    expect((await call('DELETE', '/services/eligibility-api?dryRun=true&cascade=true', '/services/{name}', 200)).body.rulesDeleted).toHaveLength(1);
    expect((await call('DELETE', '/services/eligibility-api?cascade=true', '/services/{name}', 200)).body.rulesDeleted).toHaveLength(1);
    await call('POST', '/services', '/services', 201, { name: 'portal', cluster: 'sandbox', namespace: 'benefits', deployment: 'eligibility-api', tags });
    await call('DELETE', '/services/portal?dryRun=true', '/services/{name}', 200);
    await call('DELETE', '/services/portal', '/services/{name}', 200);
  });
});
