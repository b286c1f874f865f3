import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ApiEvent, ApiResult } from '#functions/http/http.ts';
import { createMeshHandler } from '#functions/mesh/mesh.ts';
import { meshRoutes } from '#functions/mesh/triggers.ts';
import { createMeshOpsHandler } from '#functions/mesh-ops/mesh-ops.ts';
import { meshOpsRoutes } from '#functions/mesh-ops/triggers.ts';
import { openApiDocument } from '#functions/openapi/document.ts';
import type { MeshOpsPorts } from '#ports/ports.ts';
import { apiGatewayEvent } from '#sandbox/api-server.ts';
import { lambdaContext } from '#sandbox/local-bus.ts';
import { MemoryMeshCluster } from '../use-cases/memory-mesh-cluster.ts';
import { MemoryMeshStore } from '../use-cases/memory-mesh-store.ts';
import { MemoryScheduler, memoryPorts } from '../use-cases/memory-ports.ts';
import { responseChecker } from './openapi-responses.ts';

const RECEIPT = readFileSync(new URL('../../fixtures/seeds/receipt.hms.yml', import.meta.url), 'utf8');
const WRITER = { sub: 'user/ana', scope: 'hms/mesh.read hms/mesh.write' };
const READER = { sub: 'user/rob', scope: 'hms/mesh.read' };
const check = responseChecker(openApiDocument() as Record<string, any>).check;

function setup() {
  const { ports: core, clock } = memoryPorts(new Date('2026-12-03T09:30:00.000Z'));
  const ports = {
    ...core,
    mesh: new MemoryMeshCluster(),
    meshStore: new MemoryMeshStore(),
    meshScheduler: new MemoryScheduler(),
    meshConfig: {
      mode: 'sidecar',
      trustDomain: 'cluster.local',
      defaultNamespace: 'default',
      managedNamespaces: ['default', 'irs'],
      defaultCluster: 'sandbox',
      istioNamespace: 'istio-system',
    },
  } satisfies MeshOpsPorts;
  const errors: string[] = [];
  // The mesh function gets no scheduler and no publisher, as in AWS; mesh-ops gets both.
  const { meshScheduler: _, events: __, ...meshPorts } = ports;
  const handler = createMeshHandler(async () => ({ ports: meshPorts, controllerActor: 'role/hms-sys-mesh' }), { error: (m) => errors.push(m) });
  const opsHandler = createMeshOpsHandler(async () => ({ ports, controllerActor: 'role/hms-sys-mesh-ops' }), { error: (m) => errors.push(m) });
  const routes = [...meshRoutes.map((route) => ({ route, handler })), ...meshOpsRoutes.map((route) => ({ route, handler: opsHandler }))];
  /** Calls the function serving the route as API Gateway would, after the JWT authorizer passed these claims. */
  const call = async (method: string, target: string, claims: Record<string, unknown>, body?: string, contentType = 'application/yaml') => {
    const url = new URL(target, 'http://localhost');
    const served = routes.find(({ route: r }) => r.method === method && new RegExp(`^${r.path.replace(/\{\w+\}/g, '[^/]+')}$`).test(url.pathname));
    if (!served) throw new Error(`no route for ${method} ${url.pathname}`);
    const { route, handler: serve } = served;
    const names = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
    const values = url.pathname.split('/').filter((_, i) => route.path.split('/')[i]?.startsWith('{'));
    const event = apiGatewayEvent({
      method,
      url,
      headers: body === undefined ? {} : { 'content-type': contentType },
      body: body ?? '',
      route,
      pathParameters: Object.fromEntries(names.map((n, i) => [n, values[i]!])),
      claims: claims as never,
      sourceIp: '127.0.0.1',
    });
    const result = (await serve(event as unknown as ApiEvent, lambdaContext('mesh'))) as ApiResult;
    return { status: result.statusCode, body: JSON.parse(String(result.body)) };
  };
  const lookups = () => [...core.auditOutbox.items.values()].filter((p) => p.entry.kind === 'lookup').map((p) => p.entry);
  return { ports, clock, call, lookups, errors, cluster: ports.mesh as MemoryMeshCluster };
}

describe('the mesh function over HTTP', () => {
  it('applies a manifest sent as YAML text, answering as the OpenAPI document says', async () => {
    const { call, cluster } = setup();
    const answer = await call('POST', '/manifests', WRITER, RECEIPT);
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    expect(check('POST', '/manifests', 201, answer.body)).toBeNull();
    expect(answer.body.serviceUrl).toBe('http://receipt-svc.mesh/receipt');
    expect(cluster.writes.some((w) => w.startsWith('apply VirtualService/default/receipt-svc'))).toBe(true);

    const preview = await call('POST', '/manifests?dryRun=true', WRITER, RECEIPT.replace('port: 3000', 'port: 3100'));
    expect(preview.status).toBe(200);
    expect(check('POST', '/manifests', 200, preview.body)).toBeNull();
  });

  it('refuses a write without hms/mesh.write before anything runs', async () => {
    const { call, cluster } = setup();
    const answer = await call('POST', '/manifests', READER, RECEIPT);
    expect(answer.status).toBe(403);
    expect(answer.body.error.code).toBe('forbidden');
    expect(cluster.writes).toEqual([]);
  });

  it('records every read as a lookup: served, and denied without hms/mesh.read', async () => {
    const { call, lookups } = setup();
    await call('POST', '/manifests', WRITER, RECEIPT);
    const served = await call('GET', '/registry/receipt-svc', READER);
    expect(served.status).toBe(200);
    expect(check('GET', '/registry/{name}', 200, served.body)).toBeNull();
    const list = await call('GET', '/registry', READER);
    expect(check('GET', '/registry', 200, list.body)).toBeNull();
    const denied = await call('GET', '/registry', { sub: 'user/eve', scope: 'hms/rules.read' });
    expect(denied.status).toBe(403);
    expect(lookups().map((l) => [l.actor, l.action, l.target, l.outcome])).toEqual([
      ['user/rob', 'lookup.getRegistryEntry', '/registry/receipt-svc', 'success'],
      ['user/rob', 'lookup.listRegistry', '/registry', 'success'],
      ['user/eve', 'lookup.listRegistry', '/registry', 'denied'],
    ]);
  });

  it('answers bad input with the error envelope and the field, and applies nothing', async () => {
    const { call, cluster, ports } = setup();
    const bad = await call('POST', '/manifests', WRITER, RECEIPT.replace('port: 3000', 'port: 70000'));
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('port');
    const form = await call('POST', '/manifests', WRITER, 'name=x', 'application/x-www-form-urlencoded');
    expect(form.body.error).toMatchObject({ code: 'unsupported_media_type', field: 'content-type' });
    const pause = await call('POST', '/policies/pause', WRITER, JSON.stringify({ service: 'receipt-svc', durationMin: 0 }), 'application/json');
    expect(pause.body.error.field).toBe('durationMin');
    expect(cluster.writes).toEqual([]);
    expect(await ports.meshStore.list('service')).toEqual([]);
  });

  it('deploys a file that names no namespace into ?namespace=, refusing one not managed or differing from the file’s', async () => {
    const { call, cluster } = setup();
    const unmanaged = await call('POST', '/manifests?namespace=fema', WRITER, RECEIPT);
    expect(unmanaged.status).toBe(422);
    expect(unmanaged.body.error).toMatchObject({ code: 'namespace_not_managed', field: 'query.namespace' });
    const differs = await call('POST', '/manifests?namespace=irs', WRITER, `namespace: default\n${RECEIPT}`);
    expect(differs.status).toBe(400);
    expect(differs.body.error).toMatchObject({ field: 'query.namespace', message: expect.stringMatching(/names namespace default, not irs/) });
    expect(cluster.writes).toEqual([]);
    const deployed = await call('POST', '/manifests?namespace=irs', WRITER, RECEIPT);
    expect(deployed.status, JSON.stringify(deployed.body)).toBe(201);
    expect(deployed.body.namespace).toBe('irs');
    expect(cluster.writes.some((w) => w.startsWith('apply Service/irs/receipt-svc'))).toBe(true);
  });

  it('pauses, lists and resumes a registered service, each answer as documented', async () => {
    const { call } = setup();
    await call('POST', '/manifests', WRITER, RECEIPT);
    const paused = await call(
      'POST',
      '/policies/pause',
      WRITER,
      JSON.stringify({ service: 'receipt-svc', durationMin: 30, reason: 'audit' }),
      'application/json',
    );
    expect(paused.status, JSON.stringify(paused.body)).toBe(200);
    expect(check('POST', '/policies/pause', 200, paused.body)).toBeNull();
    expect(check('GET', '/policies/pause', 200, (await call('GET', '/policies/pause', READER)).body)).toBeNull();
    expect(check('GET', '/mesh/status', 200, (await call('GET', '/mesh/status', READER)).body)).toBeNull();
    const resumed = await call('DELETE', '/policies/pause/receipt-svc', WRITER);
    expect(check('DELETE', '/policies/pause/{service}', 200, resumed.body)).toBeNull();
  });

  it('deletes a TrafficPolicy (a dry run first), audited, answering as documented; a reader may not, an unknown name is 404', async () => {
    const { call, ports, cluster } = setup();
    const pod = (name: string) =>
      `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\n  labels: { app: ${name}, hms/mesh: enabled }\nspec:\n  containers:\n  - name: app\n    image: irs/${name}:1.0\n`;
    for (const name of ['fraud-scanner', 'return-intake']) expect((await call('POST', '/manifests', WRITER, pod(name))).status).toBe(201);
    const policy = readFileSync(new URL('../../fixtures/seeds/policies/irs-fraud.yml', import.meta.url), 'utf8');
    expect((await call('POST', '/policies', WRITER, policy)).status).toBe(201);
    const writes = cluster.writes.length;
    const preview = await call('DELETE', '/policies/fraud-scan-policy?dryRun=true', WRITER);
    expect(preview.status, JSON.stringify(preview.body)).toBe(200);
    expect(check('DELETE', '/policies/{name}', 200, preview.body)).toBeNull();
    expect(cluster.writes.length).toBe(writes);
    expect((await call('DELETE', '/policies/fraud-scan-policy', READER)).status).toBe(403);
    const deleted = await call('DELETE', '/policies/fraud-scan-policy', WRITER);
    expect(deleted.status, JSON.stringify(deleted.body)).toBe(200);
    expect(check('DELETE', '/policies/{name}', 200, deleted.body)).toBeNull();
    expect(JSON.stringify(cluster.objects.get('VirtualService/default/fraud-scanner')?.object)).not.toContain('sourceLabels');
    const { records } = ports.audit as unknown as { records: { action: string }[] };
    expect(records.find((r) => r.action === 'mesh.policy.delete')).toMatchObject({ actor: 'user/ana', target: 'mesh-policy/fraud-scan-policy' });
    const again = await call('DELETE', '/policies/fraud-scan-policy', WRITER);
    expect([again.status, again.body.error.field]).toEqual([404, 'name']);
  });
});

describe('the mesh-ops function off HTTP', () => {
  it('hands its tick to the event dispatch, not the routes', async () => {
    const { ports } = setup();
    const handler = createMeshOpsHandler(async () => ({ ports, controllerActor: 'role/hms-sys-mesh-ops' }), { error: () => undefined });
    const tick = {
      id: 'tick-1',
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      resources: ['arn:aws:events:local:000000000000:rule/MeshTick'],
      detail: {},
    };
    const report = (await handler(tick, lambdaContext('mesh-ops'))) as { pauses: number };
    expect(report.pauses).toBe(0);
    await expect(handler({ nothing: true }, lambdaContext('mesh-ops'))).rejects.toThrow(/not a mesh command/);
  });
});

describe('the mesh and mesh-ops Lambda entries', () => {
  const environment = {
    AWS_REGION: 'us-gov-west-1',
    STATE_TABLE: 'state',
    AUDIT_TABLE: 'audit',
    HMS_CLUSTERS: 'agency-prod',
    HMS_ACTOR: 'role/hms-sys-mesh',
    HMS_MESH_NAMESPACES: 'benefits,irs',
  };
  const opsEnvironment = {
    ...environment,
    HMS_ACTOR: 'role/hms-sys-mesh-ops',
    MESH_SCHEDULE_GROUP: 'hms-sys-mesh',
    MESH_FUNCTION_ARN: 'arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:hms-sys-mesh-ops',
    SCHEDULER_ROLE_ARN: 'arn:aws-us-gov:iam::123456789012:role/hms-sys-scheduler',
    SCHEDULER_DLQ_ARN: 'arn:aws-us-gov:sqs:us-gov-west-1:123456789012:hms-sys-scheduler-dlq',
    EVENT_BUS_NAME: 'hms-sys',
  };
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it('load with the environment the stack sets each, touching no AWS service: the mesh function needs no schedule or bus variable', async () => {
    for (const [key, value] of Object.entries(environment)) vi.stubEnv(key, value);
    const entry = await import('../../../functions/mesh/handler.ts');
    expect(typeof entry.handler).toBe('function');
    vi.resetModules();
    for (const [key, value] of Object.entries(opsEnvironment)) vi.stubEnv(key, value);
    const ops = await import('../../../functions/mesh-ops/handler.ts');
    expect(typeof ops.handler).toBe('function');
  });

  it('fail at init, naming a missing variable', async () => {
    for (const [key, value] of Object.entries(opsEnvironment)) vi.stubEnv(key, value);
    vi.stubEnv('HMS_MESH_NAMESPACES', '');
    await expect(import('../../../functions/mesh/handler.ts')).rejects.toThrow('environment variable HMS_MESH_NAMESPACES is required');
    vi.resetModules();
    vi.stubEnv('HMS_MESH_NAMESPACES', 'benefits');
    vi.stubEnv('MESH_SCHEDULE_GROUP', '');
    await expect(import('../../../functions/mesh-ops/handler.ts')).rejects.toThrow('environment variable MESH_SCHEDULE_GROUP is required');
  });
});
