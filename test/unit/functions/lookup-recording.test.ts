import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalAuditSigner } from '#adapters/local/local-audit-signer.ts';
import { createApiHandler } from '#functions/api/api.ts';
import { routes } from '#functions/api/triggers.ts';
import { createAuditDigestHandler } from '#functions/audit-digest/audit-digest.ts';
import { auditDigestRoutes } from '#functions/audit-digest/triggers.ts';
import type { ApiEvent, ApiResult } from '#functions/http/http.ts';
import { openApiDocument } from '#functions/openapi/document.ts';
import { apiGatewayEvent } from '#sandbox/api-server.ts';
import { lambdaContext } from '#sandbox/local-bus.ts';
import { drainAuditOutbox } from '#use-cases/drain-audit-outbox.ts';
import { MemoryArchive } from '../use-cases/memory-archive.ts';
import { MemoryDigestState } from '../use-cases/memory-digest-state.ts';
import { memoryPorts } from '../use-cases/memory-ports.ts';
import { PORTAL } from '../use-cases/seeded-ports.ts';

const READER = ['hms/rules.read', 'hms/audit.read', 'hms/services.write'];
const keyFile = join(mkdtempSync(join(tmpdir(), 'lookup-key-')), 'audit-signing-key.pem');

function setup() {
  const { ports, clock } = memoryPorts(new Date('2026-12-03T09:30:00.000Z'));
  const errors: string[] = [];
  const reporter = { error: (message: string) => errors.push(message) };
  const api = createApiHandler(async () => ({ ports, controllerActor: 'role/hms-sys-api' }), reporter);
  // GET /audit/verify is the audit-digest function's, over the same audit log and outbox.
  const auditArchive = { archive: new MemoryArchive(), digestState: new MemoryDigestState(ports.audit), signer: new LocalAuditSigner({ keyFile }) };
  const digestPorts = { audit: ports.audit, auditOutbox: ports.auditOutbox, clock: ports.clock, auditArchive };
  const digest = createAuditDigestHandler(
    async () => ({ ports: digestPorts, controllerActor: 'role/hms-sys-audit-digest', settings: { retentionDays: 365, hotDays: 90 } }),
    reporter,
  );
  /** Calls the function serving the route as API Gateway would, after its JWT authorizer passed these claims. */
  const call = async (method: string, target: string, claims: Record<string, unknown> = { sub: 'user/ana', scope: READER.join(' ') }, body?: unknown) => {
    const url = new URL(target, 'http://localhost');
    const matches = (r: { method: string; path: string }) => r.method === method && new RegExp(`^${r.path.replace(/\{\w+\}/g, '[^/]+')}$`).test(url.pathname);
    const route = routes.find(matches) ?? auditDigestRoutes.find(matches);
    if (!route) throw new Error(`no route for ${method} ${url.pathname}`);
    const handler = routes.some(matches) ? api : digest;
    const names = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
    const values = url.pathname.split('/').filter((_, i) => route.path.split('/')[i]?.startsWith('{'));
    const event = apiGatewayEvent({
      method,
      url,
      headers: {},
      body: body === undefined ? '' : JSON.stringify(body),
      route,
      pathParameters: Object.fromEntries(names.map((n, i) => [n, values[i]!])),
      claims: claims as never,
      sourceIp: '127.0.0.1',
    });
    const result = (await handler(event as unknown as ApiEvent, lambdaContext(handler === api ? 'api' : 'audit-digest'))) as ApiResult;
    return { status: result.statusCode, body: JSON.parse(String(result.body)) as Record<string, unknown>, requestId: event.requestContext.requestId };
  };
  const lookups = () => [...ports.auditOutbox.items.values()].filter((p) => p.entry.kind === 'lookup');
  return { ports, clock, call, lookups, errors };
}

describe('every authenticated read is recorded as a lookup', () => {
  it('puts a served read into the outbox with who, what, when, the query and the outcome', async () => {
    const { call, lookups } = setup();
    const answer = await call('GET', '/autoscale-rules?service=eligibility-api');
    expect(answer.status).toBe(200);
    expect(lookups().map((p) => p.entry)).toEqual([
      {
        kind: 'lookup',
        time: '2026-12-03T09:30:00.000Z',
        actor: 'user/ana',
        action: 'lookup.listRules',
        target: '/autoscale-rules',
        before: { query: { service: 'eligibility-api' } },
        after: null,
        outcome: 'success',
        reasons: ['authorized by scope hms/rules.read'],
        requestId: answer.requestId,
      },
    ]);
  });

  it('records a read refused for want of its scope as denied, and answers 403', async () => {
    const { call, lookups } = setup();
    const answer = await call('GET', '/audit', { sub: 'user/eve', scope: 'hms/rules.read' });
    expect(answer.status).toBe(403);
    expect(lookups().map((p) => p.entry)).toMatchObject([
      { actor: 'user/eve', action: 'lookup.listAudit', target: '/audit', outcome: 'denied', reasons: ['the token lacks the scope hms/audit.read'] },
    ]);
  });

  it('records a read that failed after it was authorized with the status that answered it', async () => {
    const { call, lookups } = setup();
    expect((await call('GET', '/services/nobody')).status).toBe(404);
    expect((await call('GET', '/audit?limit=0')).status).toBe(400);
    expect(lookups().map((p) => [p.entry.action, p.entry.outcome, p.entry.reasons[0]])).toEqual([
      ['lookup.getService', 'failure', 'authorized by scope hms/rules.read; answered 404 not_found'],
      ['lookup.listAudit', 'failure', 'authorized by scope hms/audit.read; answered 400 validation_failed'],
    ]);
  });

  it('fails closed: a read whose lookup cannot be stored is answered 503 and serves nothing', async () => {
    const { call, ports, lookups } = setup();
    ports.auditOutbox.failNext.put = 1;
    const answer = await call('GET', '/services');
    expect(answer.status).toBe(503);
    expect(answer.body).not.toHaveProperty('services');
    expect(lookups()).toEqual([]);
    ports.auditOutbox.failNext.put = 1;
    expect((await call('GET', '/audit', { sub: 'user/eve', scope: 'hms/rules.read' })).status).toBe(503);
  });

  it('runs the outbox put concurrently with the read, not before it', async () => {
    const { call, ports } = setup();
    const order: string[] = [];
    const { put } = ports.auditOutbox;
    ports.auditOutbox.put = async (pending) => {
      order.push('put started');
      await new Promise((resolve) => setImmediate(resolve));
      await put.call(ports.auditOutbox, pending);
      order.push('put stored');
    };
    const listServices = ports.store.listServices.bind(ports.store);
    ports.store.listServices = async () => {
      order.push('read started');
      return listServices();
    };
    expect((await call('GET', '/services')).status).toBe(200);
    expect(order).toEqual(['put started', 'read started', 'put stored']);
  });

  it('records nothing for a token without a subject, nor for a change', async () => {
    const { call, lookups } = setup();
    expect((await call('GET', '/services', { scope: READER.join(' ') })).status).toBe(401);
    const created = await call('POST', '/services', undefined, PORTAL);
    expect(created.status).toBe(201);
    expect(lookups()).toEqual([]);
  });
});

describe('reading the lookups', () => {
  it('lists the reads made a moment ago with kind=lookup, chaining them first, and keeps them out of the change listing', async () => {
    const { call, ports } = setup();
    await call('POST', '/services', undefined, PORTAL);
    await call('GET', '/services');
    await call('GET', '/services/portal');
    const lookups = await call('GET', '/audit?kind=lookup');
    expect(lookups.status).toBe(200);
    const records = lookups.body.records as Array<{ action: string; stream: string; kind: string; intent: string }>;
    expect(records.map((r) => r.action)).toEqual(expect.arrayContaining(['lookup.listServices', 'lookup.getService']));
    expect(records.every((r) => r.kind === 'lookup' && r.stream === 'lookup#2026-12-03' && r.intent)).toBe(true);

    const changes = (await call('GET', '/audit')).body.records as Array<{ action: string }>;
    expect(changes.map((r) => r.action)).toEqual(['service.create']);
    // Draining again finds nothing new for the reads already listed.
    await drainAuditOutbox(ports, { graceMs: 0 });
    expect(ports.audit.records.filter((r) => r.action === 'lookup.getService')).toHaveLength(1);
  });

  it("records a failed lookup listing or lookup verify as failure: a read's drain never chains the read's own lookup", async () => {
    const { call, ports } = setup();
    await call('GET', '/services');
    const badCursor = await call('GET', `/audit?kind=lookup&cursor=${Buffer.from('{"edited":true}').toString('base64url')}`);
    expect(badCursor.status).toBe(400);
    // The listing drained the lookups waiting before it, but left its own.
    expect(ports.audit.records.map((r) => r.action)).toEqual(['lookup.listServices']);
    const noLookups = await call('GET', '/audit/verify?kind=lookup&day=2026-12-01');
    expect(noLookups.status).toBe(404);

    await drainAuditOutbox(ports, { graceMs: 0 });
    const recorded = (requestId: string) => ports.audit.records.filter((r) => r.requestId === requestId).map((r) => [r.action, r.outcome, r.reasons[0]]);
    expect(recorded(badCursor.requestId)).toEqual([
      ['lookup.listAudit', 'failure', expect.stringMatching(/^authorized by scope hms\/audit.read; answered 400 /)],
    ]);
    expect(recorded(noLookups.requestId)).toEqual([
      ['lookup.verifyAudit', 'failure', expect.stringMatching(/^authorized by scope hms\/audit.read; answered 404 /)],
    ]);
  });

  it('verifies a day of lookups, and refuses kind=lookup with a service', async () => {
    const { call } = setup();
    await call('GET', '/services');
    const report = await call('GET', '/audit/verify?kind=lookup&day=2026-12-03');
    expect(report.body).toMatchObject({ stream: 'lookup#2026-12-03', intact: true });
    expect((await call('GET', '/audit/verify?kind=lookup')).body).toMatchObject({ stream: 'lookup#2026-12-03' });
    const refused = await call('GET', '/audit?kind=lookup&service=portal');
    expect(refused).toMatchObject({ status: 400, body: { error: { field: 'query.service' } } });
    expect((await call('GET', '/audit/verify?day=2026-12-03')).body).toMatchObject({ error: { field: 'query.day' } });
  });

  it('says plainly what is wrong with day without kind=lookup, and refuses since after until for both kinds', async () => {
    const { call } = setup();
    const messageOf = (answer: { body: unknown }) => (answer.body as { error: { message: string } }).error.message;
    const day = await call('GET', '/audit/verify?day=2026-12-03');
    expect(day).toMatchObject({ status: 400, body: { error: { field: 'query.day' } } });
    expect(messageOf(day)).toContain('add kind=lookup');
    expect(messageOf(day)).not.toMatch(/\b(\w+) \1\b/);
    for (const kind of ['', '&kind=lookup']) {
      const backwards = await call('GET', `/audit?since=2026-12-03T10:00:00Z&until=2026-12-03T09:00:00Z${kind}`);
      expect(backwards).toMatchObject({ status: 400, body: { error: { code: 'validation_failed', field: 'query.since' } } });
      expect(messageOf(backwards)).toContain('until');
      expect((await call('GET', `/audit?since=2026-12-03T09:00:00Z&until=2026-12-03T09:00:00Z${kind}`)).status).toBe(200);
    }
  });
});

describe('the OpenAPI contract', () => {
  it('marks every recorded read with the action it is recorded as, and no change nor its own document', () => {
    const paths = openApiDocument().paths as Record<string, Record<string, Record<string, unknown>>>;
    const marked = Object.entries(paths).flatMap(([path, methods]) =>
      Object.entries(methods).flatMap(([method, op]) => (op['x-audit-lookup'] ? [`${method} ${path} ${op['x-audit-lookup']}`] : [])),
    );
    expect(marked).toEqual(expect.arrayContaining(['get /audit lookup.listAudit', 'get /secrets lookup.listSecrets', 'get /budgets lookup.listBudgets']));
    expect(marked.every((m) => m.startsWith('get '))).toBe(true);
    expect(marked.some((m) => m.includes('/openapi.json'))).toBe(false);
    expect((paths['/audit']!.get!.responses as Record<string, { description: string }>)['503']!.description).toMatch(/recorded as a lookup/);
  });
});
