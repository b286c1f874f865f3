import { describe, expect, it } from 'vitest';
import { digestKey } from '#domain/audit-digest.ts';
import { createAuditDigestHandler } from '#functions/audit-digest/audit-digest.ts';
import { auditDigestFunction, auditDigestRoutes } from '#functions/audit-digest/triggers.ts';
import type { ApiEvent, ApiResult } from '#functions/http/http.ts';
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
  const post = async (scope: string) => {
    const route = auditDigestRoutes[0];
    const event = apiGatewayEvent({
      method: 'POST',
      url: new URL(route.path, 'http://localhost'),
      headers: {},
      body: '',
      route,
      pathParameters: {},
      claims: { sub: 'user/ana', scope } as never,
      sourceIp: '127.0.0.1',
    });
    const result = (await handler(event as unknown as ApiEvent, lambdaContext('audit-digest'))) as ApiResult;
    return { status: result.statusCode, body: JSON.parse(String(result.body)) };
  };
  return { ...fixture, handler, post, errors };
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
});
