import { SignJWT, generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import { routes } from '#functions/api/triggers.ts';
import { DEV_AUDIENCE, DEV_ISSUER } from '#sandbox/dev-auth.ts';
import { useSandbox } from './sandbox-fixture.ts';

const sb = useSandbox();
const concrete = (path: string) => path.replace('{name}', 'eligibility-api').replace('{id}', 'AR-101');

describe('auth on every route', () => {
  it.each(routes.map((r) => [`${r.method} ${r.path}`, r] as const))('%s refuses a request without a token', async (_, route) => {
    const answer = await sb.http(route.method, concrete(route.path), route.method === 'POST' || route.method === 'PATCH' ? {} : undefined, null);
    expect(answer.status).toBe(401);
    expect(answer.body.error.code).toBe('unauthorized');
  });

  it('refuses a token signed by another key', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const forged = await new SignJWT({ scope: 'hms/rules.read' }).setProtectedHeader({ alg: 'ES256' })
      .setIssuer(DEV_ISSUER).setAudience(DEV_AUDIENCE).setSubject('mallory').setExpirationTime('1h').sign(privateKey);
    expect((await sb.http('GET', '/autoscale-rules', undefined, forged)).status).toBe(401);
  });

  it('refuses an expired token and a malformed one', async () => {
    expect((await sb.http('GET', '/autoscale-rules', undefined, 'not-a-jwt')).status).toBe(401);
    const expired = await sb.sandbox.issueToken(['hms/rules.read'], 'late');
    const [h, p, s] = expired.split('.');
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString());
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...payload, exp: 1 })).toString('base64url')}.${s}`;
    expect((await sb.http('GET', '/autoscale-rules', undefined, tampered)).status).toBe(401);
  });

  it.each([
    ['a reader creating a rule', 'reader', 'POST', '/autoscale-rules', 'hms/rules.write'],
    ['a reader registering a service', 'reader', 'POST', '/services', 'hms/services.write'],
    ['an auditor listing rules', 'auditor', 'GET', '/autoscale-rules', 'hms/rules.read'],
    ['an operator reading the audit trail', 'operator', 'GET', '/audit', 'hms/audit.read'],
  ])('answers 403 for %s', async (_, profile, method, path, scope) => {
    const answer = await sb.http(method, path, method === 'POST' ? {} : undefined, sb.sandbox.tokens[profile]!);
    expect(answer.status).toBe(403);
    expect(answer.body.error).toMatchObject({ code: 'forbidden', message: expect.stringContaining(scope) });
  });

  it('records the token\'s subject as the actor', async () => {
    const token = await sb.sandbox.issueToken(['hms/services.write', 'hms/audit.read'], 'jane.doe@agency.gov');
    await sb.http('POST', '/services', {
      name: 'receipt-svc', cluster: 'sandbox', namespace: 'benefits', deployment: 'receipt-svc', tags: { agency: 'IRS', program: 'Receipts', fiscalYear: 'FY2026' },
    }, token);
    const [record] = (await sb.http('GET', '/audit?service=receipt-svc', undefined, token)).body.records;
    expect(record).toMatchObject({ actor: 'jane.doe@agency.gov', action: 'service.create' });
  });
});
