import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type K8sSimulator, startK8sSimulator } from '#adapters/local/k8s-simulator.ts';

const TOKEN = 'deploy-apply-token';
const PATH = '/apis/apps/v1/namespaces/benefits/deployments';

async function call(sim: K8sSimulator, method: string, path: string, body?: unknown, contentType = 'application/json') {
  const res = await fetch(`${sim.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': contentType },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

const apply = (sim: K8sSimulator, name: string, object: unknown, query = 'fieldManager=hms-sys') =>
  call(sim, 'PATCH', `${PATH}/${name}?${query}`, object, 'application/apply-patch+yaml');

/** A Deployment as hms-sys renders one: no replicas (the autoscaler owns the count). */
function rendered(name: string, options: { image?: string; port?: number; version?: string; selector?: Record<string, string> } = {}) {
  const labels: Record<string, string> = { app: name, 'hms/mesh': 'enabled', 'sidecar.istio.io/inject': 'true' };
  if (options.version) labels.version = options.version;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { 'app.kubernetes.io/managed-by': 'hms-sys', 'hms-sys.io/service': name } },
    spec: {
      selector: { matchLabels: options.selector ?? { app: name } },
      template: {
        metadata: { labels },
        spec: { containers: [{ name, image: options.image ?? 'ghcr.io/gov/receipt:1.0', ports: [{ name: 'http', containerPort: options.port ?? 8080 }] }] },
      },
    },
  };
}

describe('server-side apply of Deployments in the simulator', () => {
  let sim: K8sSimulator;
  beforeAll(async () => {
    sim = await startK8sSimulator({ token: TOKEN, podReadyDelayMs: 0 });
  });
  afterAll(() => sim.close());

  it('creates a Deployment with one replica, its container port and its pod template labels', async () => {
    const created = await apply(sim, 'receipt-svc', rendered('receipt-svc', { version: '1.0' }));
    expect(created.status).toBe(201);
    expect(created.body.spec.replicas).toBe(1);
    expect(created.body.spec.selector).toEqual({ matchLabels: { app: 'receipt-svc' } });
    expect(created.body.spec.template.metadata.labels).toMatchObject({ app: 'receipt-svc', version: '1.0', 'hms/mesh': 'enabled' });
    expect(created.body.spec.template.spec.containers[0].ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    expect(created.body.metadata.labels).toEqual({ 'app.kubernetes.io/managed-by': 'hms-sys', 'hms-sys.io/service': 'receipt-svc' });
    const containers = created.body.metadata.managedFields[0].fieldsV1['f:spec']['f:template']['f:spec']['f:containers'];
    expect(Object.keys(containers)).toEqual(['k:{"name":"receipt-svc"}']);
    expect(Object.keys(containers['k:{"name":"receipt-svc"}']['f:ports'])).toEqual(['k:{"containerPort":8080,"protocol":"TCP"}']);
    sim.state.advance();
    const pods = sim.state.podsOf('benefits', 'receipt-svc');
    expect(pods).toHaveLength(1);
    expect(pods[0]!.labels).toMatchObject({ version: '1.0', 'sidecar.istio.io/inject': 'true' });
  });

  it('changes nothing on a second identical apply, and keeps a scale made by another client', async () => {
    const first = await apply(sim, 'idem', rendered('idem'));
    const scaled = await call(sim, 'PATCH', `${PATH}/idem/scale`, { spec: { replicas: 3 } }, 'application/merge-patch+json');
    expect(scaled.status).toBe(200);
    const before = (await call(sim, 'GET', `${PATH}/idem`)).body;
    const again = await apply(sim, 'idem', rendered('idem'));
    expect(again.status).toBe(200);
    expect(again.body.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect(again.body.metadata.generation).toBe(before.metadata.generation);
    expect(again.body.spec.replicas).toBe(3);
    expect(sim.state.restarts('benefits', 'idem')).toBe(0);
    expect(first.body.metadata.uid).toBe(again.body.metadata.uid);
  });

  it('changes nothing on a repeated apply of fields the simulator does not keep (a probe, env)', async () => {
    const object = rendered('probed') as any;
    object.spec.template.spec.containers[0].readinessProbe = { httpGet: { path: '/healthz', port: 8080 } };
    object.spec.template.spec.containers[0].env = [{ name: 'MODE', value: 'mesh' }];
    // A clock of its own, moved a minute between the applies, so a rewritten managedFields time would show.
    let now = Date.parse('2026-01-01T00:00:00Z');
    const timed = await startK8sSimulator({ token: TOKEN, podReadyDelayMs: 0, clock: { now: () => new Date(now) } });
    try {
      const first = await apply(timed, 'probed', object);
      expect(first.status).toBe(201);
      now += 60_000;
      const again = await apply(timed, 'probed', object);
      expect(again.status).toBe(200);
      expect(again.body.metadata.resourceVersion).toBe(first.body.metadata.resourceVersion);
      expect(again.body.metadata.managedFields).toEqual(first.body.metadata.managedFields);
    } finally {
      await timed.close();
    }
  });

  it('rolls the pods when the image, a port or a template label changes, and removes what the manager dropped', async () => {
    await apply(sim, 'roll', rendered('roll', { version: '1.0' }));
    const changed = await apply(sim, 'roll', rendered('roll', { image: 'ghcr.io/gov/receipt:1.1', port: 9090 }));
    expect(changed.status).toBe(200);
    expect(changed.body.spec.template.spec.containers[0]).toMatchObject({
      image: 'ghcr.io/gov/receipt:1.1',
      ports: [{ name: 'http', containerPort: 9090, protocol: 'TCP' }],
    });
    expect(changed.body.spec.template.metadata.labels.version).toBeUndefined();
    expect(sim.state.restarts('benefits', 'roll')).toBe(1);
  });

  it('refuses a selector change (immutable) and a selector the template labels do not match, with 422', async () => {
    await apply(sim, 'fixed', rendered('fixed'));
    const moved = await apply(sim, 'fixed', rendered('fixed', { selector: { app: 'fixed', 'hms/mesh': 'enabled' } }));
    expect(moved.status).toBe(422);
    expect(moved.body.message).toContain('spec.selector');
    expect(moved.body.message).toContain('field is immutable');
    const mismatch = await apply(sim, 'mismatch', rendered('mismatch', { selector: { app: 'other' } }));
    expect(mismatch.status).toBe(422);
    expect(mismatch.body.message).toContain('`selector` does not match template `labels`');
    const noSelector = rendered('bare') as any;
    delete noSelector.spec.selector;
    expect((await apply(sim, 'bare', noSelector)).status).toBe(422);
    const badPort = await apply(sim, 'port', rendered('port', { port: 70_000 }));
    expect(badPort.status).toBe(422);
    expect(badPort.body.message).toContain('containerPort');
    expect((await call(sim, 'GET', `${PATH}/mismatch`)).status).toBe(404);
  });

  it('conflicts with an image another manager set, unless forced', async () => {
    await apply(sim, 'edited', rendered('edited'));
    const edit = await call(
      sim,
      'PATCH',
      `${PATH}/edited?fieldManager=kubectl-set`,
      { spec: { template: { spec: { containers: [{ name: 'edited', image: 'mine:2' }] } } } },
      'application/merge-patch+json',
    );
    expect(edit.status).toBe(200);
    const conflict = await apply(sim, 'edited', rendered('edited'));
    expect(conflict.status).toBe(409);
    expect(conflict.body.details.causes[0]).toMatchObject({ reason: 'FieldManagerConflict', field: '.spec.template.spec.containers[name="edited"].image' });
    const forced = await apply(sim, 'edited', rendered('edited'), 'fieldManager=hms-sys&force=true');
    expect(forced.status).toBe(200);
    expect(forced.body.spec.template.spec.containers[0].image).toBe('ghcr.io/gov/receipt:1.0');
  });

  it('records the creator of a Deployment made with POST, so an apply of another image conflicts with it', async () => {
    const object = rendered('posted', { image: 'theirs:1' });
    const created = await call(sim, 'POST', `${PATH}?fieldManager=kubectl-create`, object);
    expect(created.status).toBe(201);
    expect(created.body.metadata.managedFields).toMatchObject([{ manager: 'kubectl-create', operation: 'Update' }]);
    const conflict = await apply(sim, 'posted', rendered('posted'));
    expect(conflict.status).toBe(409);
    expect(conflict.body.message).toContain('conflict with "kubectl-create"');
    expect((await apply(sim, 'posted', rendered('posted', { image: 'theirs:1' }))).status).toBe(200);
  });

  it('stores nothing on a dry run', async () => {
    const dry = await apply(sim, 'dry', rendered('dry'), 'fieldManager=hms-sys&dryRun=All');
    expect(dry.status).toBe(201);
    expect((await call(sim, 'GET', `${PATH}/dry`)).status).toBe(404);
  });
});
