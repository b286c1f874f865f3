import { describe, expect, it } from 'vitest';
import { digestKey } from '#domain/audit-digest.ts';
import { routes as apiRoutes } from '#functions/api/triggers.ts';
import { createAuditDigestHandler } from '#functions/audit-digest/audit-digest.ts';
import { auditDigestFunction, auditDigestRoutes } from '#functions/audit-digest/triggers.ts';
import type { ApiEvent, ApiResult } from '#functions/http/http.ts';
import { openApiDocument } from '#functions/openapi/document.ts';
import { apiGatewayEvent } from '#sandbox/api-server.ts';
import { lambdaContext } from '#sandbox/local-bus.ts';
import { change, digestPorts } from '../use-cases/digest-fixture.ts';

function setup() {
  const fixture = digestPorts();
  const errors: string[] = [];
  const handler = createAuditDigestHandler(
    async () => ({ ports: fixture.ports, controllerActor: 'role/hms-sys-audit-digest', settings: { retentionDays: 365, hotDays: 90 } }),
    { error: (message) => errors.push(message) },
  );
  const request = async (method: string, target: string, scope: string, body = '') => {
    const url = new URL(target, 'http://localhost');
    const route = auditDigestRoutes.find((r) => r.method === method && r.path === url.pathname)!;
    const event = apiGatewayEvent({
      method,
      url,
      headers: {},
      body,
      route,
      pathParameters: {},
      claims: { sub: 'user/ana', scope } as never,
      sourceIp: '127.0.0.1',
    });
    const result = (await handler(event as unknown as ApiEvent, lambdaContext('audit-digest'))) as ApiResult;
    return { status: result.statusCode, body: JSON.parse(String(result.body)) };
  };
  const post = (scope: string, body = '') => request('POST', '/audit/digests', scope, body);
  const lookups = () => [...fixture.ports.auditOutbox.items.values()].map((p) => p.entry).filter((e) => e.kind === 'lookup');
  return { ...fixture, handler, post, request, lookups, errors };
}

describe('the audit-digest function', () => {
  it('is declared on an hourly schedule and POST /audit/digests, with the digest and prune needs', () => {
    expect(auditDigestFunction.triggers.filter((t) => t.kind === 'schedule')).toEqual([
      { kind: 'schedule', id: 'DigestAudit', description: 'every hour', rateMinutes: 60 },
    ]);
    expect(auditDigestFunction.needs).toEqual(expect.arrayContaining(['audit-digest', 'audit-prune']));
  });

  it('a scheduled run digests the changed streams, then prunes', async () => {
    const { audit, archive, handler } = setup();
    await audit.append(change('orders', '2026-12-03T14:00:00.000Z'));
    const result = (await handler({ id: 'schedule-1' }, lambdaContext('audit-digest', 300))) as {
      digests: { digests: unknown[] };
      prune: { pruned: unknown[] };
    };
    expect(result.digests.digests).toHaveLength(1);
    expect(result.prune.pruned).toEqual([]);
    expect(await archive.get(digestKey('service#orders', 1))).not.toBeNull();
  });

  it('POST /audit/digests runs one with hms/audit.digest, and is refused without it', async () => {
    const { audit, post } = setup();
    await audit.append(change('orders', '2026-12-03T14:00:00.000Z'));
    const refused = await post('hms/audit.read');
    expect(refused.status).toBe(403);
    const answer = await post('hms/audit.digest');
    expect(answer.status).toBe(200);
    expect(answer.body.digests).toEqual([{ stream: 'service#orders', firstSeq: 1, lastSeq: 1, key: digestKey('service#orders', 1) }]);
  });

  it('POST /audit/digests takes an empty body or {}, and refuses malformed JSON, unknown fields and an oversized body', async () => {
    const { post } = setup();
    expect((await post('hms/audit.digest', '')).status).toBe(200);
    expect((await post('hms/audit.digest', '{}')).status).toBe(200);
    expect(await post('hms/audit.digest', '{bad')).toMatchObject({ status: 400, body: { error: { code: 'malformed_json' } } });
    expect(await post('hms/audit.digest', '{"streams":["service#orders"]}')).toMatchObject({
      status: 400,
      body: { error: { code: 'unknown_field', field: 'streams' } },
    });
    expect(await post('hms/audit.digest', '[]')).toMatchObject({ status: 400, body: { error: { code: 'invalid_body' } } });
    expect((await post('hms/audit.digest', '\u0000'.repeat(12 * 1024 * 1024))).status).toBe(413);
    const described = (openApiDocument().paths as Record<string, Record<string, { requestBody: unknown; responses: object }>>)['/audit/digests']!.post!;
    expect(described.requestBody).toMatchObject({
      required: false,
      content: { 'application/json': { schema: { type: 'object', additionalProperties: false } } },
    });
    expect(Object.keys(described.responses)).toContain('413');
  });

  it('serves GET /audit/verify and GET /audit/public-key, which the API function no longer declares', () => {
    const served = (routes: readonly { method: string; path: string }[]) => routes.map((r) => `${r.method} ${r.path}`);
    expect(served(auditDigestRoutes)).toEqual(['POST /audit/digests', 'GET /audit/verify', 'GET /audit/public-key']);
    expect(served(apiRoutes)).not.toContain('GET /audit/verify');
    expect(served(apiRoutes)).not.toContain('GET /audit/public-key');
    expect(auditDigestRoutes.filter((r) => r.method === 'GET').map((r) => r.scope)).toEqual(['hms/audit.read', 'hms/audit.read']);
  });

  it('GET /audit/verify checks the chain and its signed digest, and is recorded as a lookup', async () => {
    const { audit, post, request, lookups } = setup();
    await audit.append(change('orders', '2026-12-03T14:00:00.000Z'));
    await post('hms/audit.digest');
    const report = await request('GET', '/audit/verify?service=orders', 'hms/audit.read');
    expect(report.status).toBe(200);
    expect(report.body).toMatchObject({ stream: 'service#orders', intact: true, verifiedThrough: 1, digests: { checked: 1, firstBreak: null } });
    expect(lookups()).toMatchObject([
      { actor: 'user/ana', action: 'lookup.verifyAudit', target: '/audit/verify', before: { query: { service: 'orders' } }, outcome: 'success' },
    ]);
  });

  it("GET /audit/public-key answers the signer's key, and a read without hms/audit.read is refused and recorded as denied", async () => {
    const { signer, request, lookups } = setup();
    const { keyId, pem } = await signer.publicKey();
    const answer = await request('GET', '/audit/public-key', 'hms/audit.read');
    expect(answer).toMatchObject({ status: 200, body: { keyId, pem, key: `keys/${encodeURIComponent(keyId)}.pem` } });
    const refused = await request('GET', '/audit/public-key', 'hms/rules.read');
    expect(refused.status).toBe(403);
    expect(lookups().map((e) => [e.action, e.outcome])).toEqual([
      ['lookup.getAuditPublicKey', 'success'],
      ['lookup.getAuditPublicKey', 'denied'],
    ]);
  });
});
