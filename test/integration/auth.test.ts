import { join } from 'node:path';
import { generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { httpRoutes as routes } from '#functions/http-routes.ts';
import { DEV_AUDIENCE, DEV_ISSUER, loadOrCreateDevKey, signDevClaims } from '#sandbox/dev-auth.ts';
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
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT({ scope: 'hms/rules.read' })
      .setProtectedHeader({ alg: 'RS256' })
      .setIssuer(DEV_ISSUER)
      .setAudience(DEV_AUDIENCE)
      .setSubject('mallory')
      .setExpirationTime('1h')
      .sign(privateKey);
    expect((await sb.http('GET', '/autoscale-rules', undefined, forged)).status).toBe(401);
  });

  it('refuses a malformed token, a tampered one and an expired one', async () => {
    expect((await sb.http('GET', '/autoscale-rules', undefined, 'not-a-jwt')).status).toBe(401);
    const valid = await sb.sandbox.issueToken(['hms/rules.read'], 'late');
    expect((await sb.http('GET', '/autoscale-rules', undefined, valid)).status).toBe(200);
    const [h, p, s] = valid.split('.');
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString());
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...payload, scope: 'hms/rules.write' })).toString('base64url')}.${s}`;
    expect((await sb.http('POST', '/autoscale-rules', {}, tampered)).status).toBe(401);
    const expired = await sb.sandbox.issueToken(['hms/rules.read'], 'late', -60);
    const answer = await sb.http('GET', '/autoscale-rules', undefined, expired);
    expect(answer.status).toBe(401);
    expect(answer.body.error.message).toContain('expired');
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

  it("records the token's subject as the actor", async () => {
    const token = await sb.sandbox.issueToken(['hms/services.write', 'hms/audit.read'], 'jane.doe@agency.gov');
    await sb.http(
      'POST',
      '/services',
      {
        name: 'receipt-svc',
        cluster: 'sandbox',
        namespace: 'benefits',
        deployment: 'receipt-svc',
        tags: { agency: 'IRS', program: 'Receipts', fiscalYear: 'FY2026' },
      },
      token,
    );
    const [record] = (await sb.http('GET', '/audit?service=receipt-svc', undefined, token)).body.records;
    expect(record).toMatchObject({ actor: 'jane.doe@agency.gov', action: 'service.create' });
  });
});

describe('tokens from other identity providers, as API Gateway judges them', () => {
  const sign = async (claims: Record<string, unknown>) => {
    const key = await loadOrCreateDevKey(join(sb.sandbox.dataDir, 'dev-signing-key.json'));
    const now = Math.floor(Date.now() / 1000);
    return signDevClaims(key, { iss: DEV_ISSUER, sub: 'idp-user', iat: now - 5, exp: now + 600, ...claims });
  };

  it('lets an Okta-style token (scp as an array) use its first and its last scope', async () => {
    const token = await sign({ aud: DEV_AUDIENCE, scp: ['hms/rules.read', 'openid', 'hms/audit.read'] });
    expect((await sb.http('GET', '/autoscale-rules', undefined, token)).status).toBe(200);
    expect((await sb.http('GET', '/audit', undefined, token)).status).toBe(200);
    expect((await sb.http('POST', '/autoscale-rules', {}, token)).status).toBe(403);
  });

  it('lets an Entra-style token (scp as a spaced string) through, and a Cognito access token (client_id, no aud)', async () => {
    expect((await sb.http('GET', '/audit', undefined, await sign({ aud: DEV_AUDIENCE, scp: 'hms/rules.read hms/audit.read' }))).status).toBe(200);
    expect((await sb.http('GET', '/audit', undefined, await sign({ client_id: DEV_AUDIENCE, scope: 'hms/audit.read', token_use: 'access' }))).status).toBe(200);
  });

  it('refuses with 401 a token with no audience, one not valid yet, and one issued in the future', async () => {
    const now = Math.floor(Date.now() / 1000);
    for (const claims of [
      { scope: 'hms/audit.read' },
      { aud: DEV_AUDIENCE, scope: 'hms/audit.read', nbf: now + 300 },
      { aud: DEV_AUDIENCE, scope: 'hms/audit.read', iat: now + 300 },
    ]) {
      const answer = await sb.http('GET', '/audit', undefined, await sign(claims));
      expect(answer.status).toBe(401);
      expect(answer.body.error.code).toBe('unauthorized');
    }
  });
});

describe('a token whose sub is not a non-empty string', () => {
  it("is refused with 401 on API routes and the sandbox's own, as one with no sub is", async () => {
    const key = await loadOrCreateDevKey(join(sb.sandbox.dataDir, 'dev-signing-key.json'));
    const now = Math.floor(Date.now() / 1000);
    const base = { iss: DEV_ISSUER, aud: DEV_AUDIENCE, scope: 'hms/audit.read hms/rules.read', iat: now - 5, exp: now + 600 };
    for (const sub of [undefined, null, 123, ['a'], {}, '']) {
      const token = await signDevClaims(key, { ...base, ...(sub === undefined ? {} : { sub }) } as never);
      for (const path of ['/audit', '/autoscale-rules', '/sandbox/dead-letters']) {
        const answer = await sb.http('GET', path, undefined, token);
        expect({ sub, path, status: answer.status, code: answer.body.error?.code }).toEqual({ sub, path, status: 401, code: 'unauthorized' });
      }
    }
  });
});

describe("the sandbox's own routes", () => {
  it('require their scopes too', async () => {
    const denied = await sb.http('POST', '/sandbox/metrics', { service: 'x', metric: 'm', value: 1 }, sb.sandbox.tokens.auditor!);
    expect(denied).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
    expect((await sb.http('GET', '/sandbox/dead-letters', undefined, sb.sandbox.tokens.operator!)).status).toBe(403);
    expect((await sb.http('GET', '/sandbox/dead-letters', undefined, sb.sandbox.tokens.auditor!)).body).toEqual({ items: [] });
  });
});
