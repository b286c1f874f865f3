import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type K8sSimulator, startK8sSimulator } from '#adapters/local/k8s-simulator.ts';

const TOKEN = 'apply-token';
const VS_PATH = '/apis/networking.istio.io/v1/namespaces/benefits/virtualservices';
const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';

async function call(sim: K8sSimulator, method: string, path: string, body?: unknown, contentType = 'application/json', accept = 'application/json') {
  const res = await fetch(`${sim.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': contentType, accept },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

const apply = (sim: K8sSimulator, path: string, object: unknown, query = 'fieldManager=hms-sys') =>
  call(sim, 'PATCH', `${path}?${query}`, object, 'application/apply-patch+yaml');

function virtualService(name: string, spec: Record<string, unknown>, labels: Record<string, string> = { 'app.kubernetes.io/managed-by': 'hms-sys' }) {
  return { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name, namespace: 'benefits', labels }, spec };
}

const route = (host: string, attempts: number) => ({ route: [{ destination: { host } }], retries: { attempts, retryOn: 'connect-failure' } });

describe('server-side apply of the generic kinds in the simulator', () => {
  let sim: K8sSimulator;
  beforeAll(async () => {
    sim = await startK8sSimulator({ token: TOKEN, podReadyDelayMs: 0 });
  });
  afterAll(() => sim.close());

  it('serves discovery for the Istio groups and the core kinds', async () => {
    const istio = (await call(sim, 'GET', '/apis/networking.istio.io/v1')).body;
    expect(istio.resources.map((r: any) => r.name).sort()).toEqual(['destinationrules', 'serviceentries', 'virtualservices']);
    expect(istio.resources.find((r: any) => r.name === 'virtualservices')).toMatchObject({ kind: 'VirtualService', shortNames: ['vs'], namespaced: true });
    const core = (await call(sim, 'GET', '/api/v1')).body.resources.map((r: any) => r.name);
    expect(core).toEqual(expect.arrayContaining(['services', 'configmaps', 'secrets']));
    expect((await call(sim, 'GET', '/apis/discovery.k8s.io/v1')).body.resources[0].name).toBe('endpointslices');
    expect((await call(sim, 'GET', '/apis/security.istio.io/v1')).status).toBe(200);
  });

  it('creates on the first apply, and a second identical apply changes nothing', async () => {
    const first = await apply(sim, `${VS_PATH}/idem`, virtualService('idem', { hosts: ['idem'], http: [route('idem', 2)] }));
    expect(first.status).toBe(201);
    expect(first.body.metadata).toMatchObject({ generation: 1, managedFields: [{ manager: 'hms-sys', operation: 'Apply', fieldsType: 'FieldsV1' }] });
    expect(first.body.metadata.managedFields[0].fieldsV1).toEqual({
      'f:metadata': { 'f:labels': { 'f:app.kubernetes.io/managed-by': {} } },
      'f:spec': { 'f:hosts': {}, 'f:http': {} },
    });
    const second = await apply(sim, `${VS_PATH}/idem`, virtualService('idem', { hosts: ['idem'], http: [route('idem', 2)] }));
    expect(second.status).toBe(200);
    expect(second.body.metadata.resourceVersion).toBe(first.body.metadata.resourceVersion);
    expect(second.body.metadata.generation).toBe(1);
    // YAML, as the content type says, is read as well as JSON.
    const yaml = `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: idem\n  labels:\n    app.kubernetes.io/managed-by: hms-sys\nspec:\n  hosts: [idem]\n  http:\n  - route:\n    - destination: {host: idem}\n    retries: {attempts: 3, retryOn: connect-failure}\n`;
    const third = await apply(sim, `${VS_PATH}/idem`, yaml);
    expect(third.status).toBe(200);
    expect(third.body.metadata.generation).toBe(2);
    expect(Number(third.body.metadata.resourceVersion)).toBeGreaterThan(Number(first.body.metadata.resourceVersion));
    expect(third.body.spec.http[0].retries.attempts).toBe(3);
  });

  it('removes a field the manager stops applying, and keeps one another manager also owns', async () => {
    await apply(sim, `${VS_PATH}/drop`, virtualService('drop', { hosts: ['drop'], gateways: ['mesh'], http: [route('drop', 1)] }));
    await apply(sim, `${VS_PATH}/drop`, virtualService('drop', { hosts: ['drop'], gateways: ['mesh'] }), 'fieldManager=other');
    const dropped = await apply(sim, `${VS_PATH}/drop`, virtualService('drop', { hosts: ['drop'] }));
    expect(dropped.status).toBe(200);
    expect(dropped.body.spec.http).toBeUndefined();
    // gateways is co-owned by "other", which still applies it.
    expect(dropped.body.spec.gateways).toEqual(['mesh']);
  });

  it('refuses a field another manager set to another value with 409, unless forced', async () => {
    await apply(sim, `${VS_PATH}/owned`, virtualService('owned', { hosts: ['owned'], http: [route('owned', 2)] }));
    const edit = await call(
      sim,
      'PATCH',
      `${VS_PATH}/owned?fieldManager=kubectl-edit`,
      { spec: { http: [route('owned', 5)] } },
      'application/merge-patch+json',
    );
    expect(edit.status).toBe(200);
    expect(edit.body.metadata.managedFields.map((m: any) => [m.manager, m.operation])).toEqual([
      ['hms-sys', 'Apply'],
      ['kubectl-edit', 'Update'],
    ]);
    const conflict = await apply(sim, `${VS_PATH}/owned`, virtualService('owned', { hosts: ['owned'], http: [route('owned', 2)] }));
    expect(conflict.status).toBe(409);
    expect(conflict.body).toMatchObject({ kind: 'Status', reason: 'Conflict', code: 409 });
    expect(conflict.body.message).toBe('Apply failed with 1 conflict: conflict with "kubectl-edit": .spec.http');
    expect(conflict.body.details.causes).toEqual([{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl-edit"', field: '.spec.http' }]);
    expect((await call(sim, 'GET', `${VS_PATH}/owned`)).body.spec.http[0].retries.attempts).toBe(5);
    const forced = await apply(
      sim,
      `${VS_PATH}/owned`,
      virtualService('owned', { hosts: ['owned'], http: [route('owned', 2)] }),
      'fieldManager=hms-sys&force=true',
    );
    expect(forced.status).toBe(200);
    expect(forced.body.spec.http[0].retries.attempts).toBe(2);
    expect(forced.body.metadata.managedFields.map((m: any) => m.manager)).toEqual(['hms-sys']);
  });

  it('requires a fieldManager, refuses force on other patches, and checks the object against the URL', async () => {
    const object = virtualService('rules', { hosts: ['rules'] });
    const missing = await apply(sim, `${VS_PATH}/rules`, object, '');
    expect(missing.status).toBe(422);
    expect(missing.body.message).toContain('fieldManager: Required value: is required for apply patch');
    const forcedMerge = await call(sim, 'PATCH', `${VS_PATH}/rules?fieldManager=x&force=true`, { spec: {} }, 'application/merge-patch+json');
    expect(forcedMerge.status).toBe(422);
    expect((await apply(sim, `${VS_PATH}/other-name`, object)).status).toBe(400);
    expect((await apply(sim, `${VS_PATH}/rules`, { ...object, kind: 'DestinationRule' })).status).toBe(400);
    const withManaged = { ...object, metadata: { ...object.metadata, managedFields: [] } };
    expect((await apply(sim, `${VS_PATH}/rules`, withManaged)).status).toBe(400);
    expect((await call(sim, 'GET', `${VS_PATH}/rules`)).status).toBe(404);
  });

  it('checks Istio objects against their CRD schema on write: 422 naming the field, nothing stored', async () => {
    const bad = await apply(sim, `${VS_PATH}/bad`, virtualService('bad', { hosts: 'bad', http: [{ retries: { attempts: 'two' } }] }));
    expect(bad.status).toBe(422);
    expect(bad.body.reason).toBe('Invalid');
    expect(bad.body.details.causes.map((c: any) => c.field)).toEqual(['spec.hosts', 'spec.http[0].retries.attempts']);
    expect((await call(sim, 'GET', `${VS_PATH}/bad`)).status).toBe(404);
  });

  it('refuses fields the CRD does not declare with fieldValidation=Strict, and drops them otherwise (with a warning by default)', async () => {
    const object = virtualService('unknown', { hosts: ['unknown'], hostz: ['typo'], http: [{ route: [{ destination: { host: 'unknown', weigth: 5 } }] }] });
    const strict = await apply(sim, `${VS_PATH}/unknown`, object, 'fieldManager=hms-sys&fieldValidation=Strict');
    expect(strict.status).toBe(400);
    expect(strict.body.message).toBe('strict decoding error: unknown field "spec.hostz", unknown field "spec.http[0].route[0].destination.weigth"');
    expect((await call(sim, 'GET', `${VS_PATH}/unknown`)).status).toBe(404);
    const send = (query: string) =>
      fetch(`${sim.url}${VS_PATH}/unknown?${query}`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/apply-patch+yaml' },
        body: JSON.stringify(object),
      });
    const warned = await send('fieldManager=hms-sys');
    expect(warned.status).toBe(201);
    expect(warned.headers.get('warning')).toBe('299 - "unknown field \\"spec.hostz\\"", 299 - "unknown field \\"spec.http[0].route[0].destination.weigth\\""');
    const stored = (await call(sim, 'GET', `${VS_PATH}/unknown`)).body;
    expect(stored.spec).toEqual({ hosts: ['unknown'], http: [{ route: [{ destination: { host: 'unknown' } }] }] });
    const ignored = await send('fieldManager=hms-sys&fieldValidation=Ignore');
    expect(ignored.status).toBe(200);
    expect(ignored.headers.get('warning')).toBeNull();
    expect((await send('fieldManager=hms-sys&fieldValidation=Loose')).status).toBe(422);
  });

  it('stores nothing on a dry run', async () => {
    const dry = await apply(sim, `${VS_PATH}/dry`, virtualService('dry', { hosts: ['dry'] }), 'fieldManager=hms-sys&dryRun=All');
    expect(dry.status).toBe(201);
    expect(dry.body.spec.hosts).toEqual(['dry']);
    expect((await call(sim, 'GET', `${VS_PATH}/dry`)).status).toBe(404);
  });

  it('lists by label across namespaces, as a Table for kubectl', async () => {
    const dr = (ns: string, name: string, managed: boolean) =>
      apply(sim, `/apis/networking.istio.io/v1/namespaces/${ns}/destinationrules/${name}`, {
        apiVersion: 'networking.istio.io/v1',
        kind: 'DestinationRule',
        metadata: { name, labels: managed ? { 'hms-sys.io/service': name } : { team: 'x' } },
        spec: { host: name },
      });
    expect((await dr('benefits', 'receipt-svc', true)).status).toBe(201);
    expect((await dr('fema', 'portal', true)).status).toBe(201);
    expect((await dr('fema', 'theirs', false)).status).toBe(201);
    const selected = await call(sim, 'GET', '/apis/networking.istio.io/v1/namespaces/fema/destinationrules?labelSelector=hms-sys.io%2Fservice%3Dportal');
    expect(selected.body).toMatchObject({ kind: 'DestinationRuleList', apiVersion: 'networking.istio.io/v1' });
    expect(selected.body.items.map((o: any) => o.metadata.name)).toEqual(['portal']);
    const table = await call(sim, 'GET', '/apis/networking.istio.io/v1/destinationrules', undefined, 'application/json', TABLE);
    expect(table.body.kind).toBe('Table');
    expect(table.body.columnDefinitions.map((c: any) => c.name)).toEqual(['Name', 'Host', 'Age']);
    expect(table.body.rows.map((r: any) => r.cells.slice(0, 2))).toEqual([
      ['receipt-svc', 'receipt-svc'],
      ['portal', 'portal'],
      ['theirs', 'theirs'],
    ]);
    expect((await call(sim, 'GET', '/api/v1/namespaces')).body.items.map((n: any) => n.metadata.name)).toContain('fema');
  });

  it('deletes with a uid precondition', async () => {
    const created = await apply(sim, `${VS_PATH}/gone`, virtualService('gone', { hosts: ['gone'] }));
    const wrong = await call(sim, 'DELETE', `${VS_PATH}/gone`, { preconditions: { uid: '00000000-0000-0000-0000-000000000000' } });
    expect(wrong.status).toBe(409);
    expect(wrong.body.message).toContain('Precondition failed: UID in precondition');
    const right = await call(sim, 'DELETE', `${VS_PATH}/gone`, { preconditions: { uid: created.body.metadata.uid } });
    expect(right.status).toBe(200);
    expect(right.body).toMatchObject({ status: 'Success', details: { uid: created.body.metadata.uid } });
    expect((await call(sim, 'GET', `${VS_PATH}/gone`)).status).toBe(404);
  });

  it('gives a Service its defaults and a ClusterIP, with its ports keyed by port and protocol', async () => {
    const path = '/api/v1/namespaces/benefits/services/receipt-svc';
    const service = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'receipt-svc' },
      spec: { selector: { app: 'receipt-svc' }, ports: [{ name: 'http', port: 8080 }] },
    };
    const created = await apply(sim, path, service);
    expect(created.status).toBe(201);
    expect(created.body.spec).toMatchObject({ type: 'ClusterIP', ports: [{ name: 'http', port: 8080, protocol: 'TCP', targetPort: 8080 }] });
    expect(created.body.spec.clusterIP).toMatch(/^10\.9[6-9]\./);
    expect(created.body.metadata.managedFields[0].fieldsV1['f:spec']['f:ports']).toEqual({
      'k:{"port":8080,"protocol":"TCP"}': { '.': {}, 'f:name': {}, 'f:port': {}, 'f:protocol': {} },
    });
    const again = await apply(sim, path, service);
    expect(again.body.metadata.resourceVersion).toBe(created.body.metadata.resourceVersion);
    const changed = await apply(sim, path, { ...service, spec: { ...service.spec, clusterIP: '10.99.0.1' } });
    expect(changed.status).toBe(422);
    expect(changed.body.message).toContain('field is immutable');
    const noPorts = await apply(sim, '/api/v1/namespaces/benefits/services/empty', { ...service, metadata: { name: 'empty' }, spec: {} });
    expect(noPorts.status).toBe(422);
    expect(noPorts.body.details.causes[0].field).toBe('spec.ports');
    const table = await call(sim, 'GET', '/api/v1/namespaces/benefits/services', undefined, 'application/json', TABLE);
    expect(table.body.rows[0].cells.slice(0, 5)).toEqual(['receipt-svc', 'ClusterIP', created.body.spec.clusterIP, '<none>', '8080/TCP']);
  });
});
