import { beforeAll, describe, expect, it } from 'vitest';
import { useSandbox } from './sandbox-fixture.ts';

const t = useSandbox();
const SECRET = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:benefits/eligibility-db-AbCdEf';

beforeAll(async () => {
  expect((await t.service('eligibility-api')).status).toBe(201);
});

const stored = async () => (await t.http('GET', '/services/eligibility-api')).body;

describe('PATCH /services/{name}', () => {
  it('merges the patch, bumps the version, and records service.update', async () => {
    const answer = await t.http('PATCH', '/services/eligibility-api', { secrets: [SECRET], tags: { fiscalYear: 'FY2027' } });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ secrets: [SECRET], tags: { agency: 'ED', program: 'FSA', fiscalYear: 'FY2027' }, version: 2 });
    expect(await stored()).toEqual(answer.body);
    const audit = await t.http('GET', '/audit?service=eligibility-api&limit=1');
    expect(audit.body.records[0]).toMatchObject({ action: 'service.update', target: 'service/eligibility-api', outcome: 'success', actor: 'dev-admin' });
  });

  it.each([
    [{ cluster: 'other' }, 'cluster', 'cluster cannot be changed'],
    [{ deployment: 'receipt-svc' }, 'deployment', 'deployment cannot be changed'],
    [
      { secrets: ['arn:aws:secretsmanager:us-east-1:000000000000:secret:benefits/eligibility-db'] },
      'secrets.0',
      'secrets.0 must be a full Secrets Manager secret ARN',
    ],
    [{ tags: { agency: null } }, 'tags.agency', 'tags.agency'],
    [{ tags: { division: 'x' } }, 'tags.division', 'unknown field "tags.division"'],
    [{ podHourUSD: -1 }, 'podHourUSD', 'podHourUSD must be greater than 0'],
    [{}, null, 'the edit must change at least one field'],
  ])('refuses %j with 400 naming %s, writing nothing', async (patch, field, message) => {
    const before = await stored();
    const answer = await t.http('PATCH', '/services/eligibility-api', patch);
    expect(answer.status).toBe(400);
    expect(answer.body.error.field).toBe(field);
    expect(answer.body.error.message).toContain(message);
    expect(await stored()).toEqual(before);
  });

  it('answers 404 naming name for a service that is not registered', async () => {
    const answer = await t.http('PATCH', '/services/nosuch', { secrets: null });
    expect(answer.status).toBe(404);
    expect(answer.body.error.field).toBe('name');
  });

  it('needs hms/services.write', async () => {
    const reader = await t.sandbox.issueToken(['hms/rules.read'], 'dev-reader');
    expect((await t.http('PATCH', '/services/eligibility-api', { secrets: null }, reader)).status).toBe(403);
  });

  it('changes nothing on ?dryRun=true', async () => {
    const before = await stored();
    const answer = await t.http('PATCH', '/services/eligibility-api?dryRun=true', { secrets: null });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ dryRun: true, changed: true });
    expect(answer.body.wouldUpdate).not.toHaveProperty('secrets');
    expect(await stored()).toEqual(before);
  });

  it('is in the OpenAPI document with its scope', async () => {
    const doc = await t.http('GET', '/openapi.json');
    expect(doc.body.paths['/services/{name}'].patch).toMatchObject({ operationId: 'updateService', 'x-required-scope': 'hms/services.write' });
  });
});
