import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KubeTransportError, sendKubeRequest } from '#adapters/aws/kubernetes-request.ts';
import { type K8sSimulator, startK8sSimulator } from '#adapters/local/k8s-simulator.ts';
import { startSandboxKube } from '#sandbox/kube-access.ts';
import { loadSandboxTls } from '#sandbox/sandbox-ca.ts';

const TOKEN = 'simulator-token';
const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';

async function get(sim: K8sSimulator, path: string, accept = 'application/json') {
  const res = await fetch(`${sim.url}${path}`, { headers: { authorization: `Bearer ${TOKEN}`, accept } });
  return { status: res.status, contentType: res.headers.get('content-type'), body: (await res.json()) as any };
}

async function patch(sim: K8sSimulator, path: string, body: unknown) {
  const res = await fetch(`${sim.url}${path}`, {
    method: 'PATCH',
    body: JSON.stringify(body),
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/merge-patch+json' },
  });
  return { status: res.status, body: (await res.json()) as any };
}

/** Opens a watch and collects its events as they arrive. */
function watch(sim: K8sSimulator, path: string) {
  const events: { type: string; object: any }[] = [];
  let ended = false;
  let buffer = '';
  const req = http.get(`${sim.url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } }, (res) => {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buffer += chunk;
      for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
        events.push(JSON.parse(buffer.slice(0, i)));
        buffer = buffer.slice(i + 1);
      }
    });
    res.on('end', () => {
      ended = true;
    });
  });
  const until = async (done: () => boolean) => {
    for (let i = 0; i < 200 && !done(); i++) await new Promise((r) => setTimeout(r, 25));
    if (!done()) throw new Error(`condition not met; events: ${events.map((e) => `${e.type} ${e.object?.spec?.replicas}`).join(', ')}`);
  };
  return { events, ended: () => ended, until, close: () => req.destroy() };
}

describe('the simulator speaks enough of the API for kubectl', () => {
  let sim: K8sSimulator;
  beforeAll(async () => {
    sim = await startK8sSimulator({ token: TOKEN, podReadyDelayMs: 0 });
    sim.seedDeployment({ namespace: 'benefits', name: 'eligibility-api', replicas: 4 });
    sim.seedDeployment({ namespace: 'benefits', name: 'receipt-svc', replicas: 2 });
    sim.seedDeployment({ namespace: 'fema', name: 'portal', replicas: 3 });
    sim.seedHpa({ namespace: 'benefits', name: 'receipt-svc', deployment: 'receipt-svc', minReplicas: 2, maxReplicas: 10 });
  });
  afterAll(() => sim.close());

  it('serves legacy discovery, as plain application/json so kubectl does not take it for aggregated discovery', async () => {
    const api = await get(sim, '/api', 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json');
    expect(api.contentType).toBe('application/json');
    expect(api.body).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
    const groups = (await get(sim, '/apis')).body;
    expect(groups.kind).toBe('APIGroupList');
    expect(groups.groups.map((g: any) => g.preferredVersion.groupVersion).sort()).toEqual([
      'apps/v1',
      'autoscaling/v2',
      'discovery.k8s.io/v1',
      'networking.istio.io/v1',
      'scheduling.k8s.io/v1',
      'security.istio.io/v1',
    ]);
    const apps = (await get(sim, '/apis/apps/v1')).body;
    expect(apps).toMatchObject({ kind: 'APIResourceList', groupVersion: 'apps/v1' });
    const deployments = apps.resources.find((r: any) => r.name === 'deployments');
    expect(deployments).toMatchObject({ namespaced: true, kind: 'Deployment', shortNames: ['deploy'] });
    expect(deployments.verbs).toEqual(expect.arrayContaining(['get', 'list', 'patch', 'watch']));
    expect(apps.resources.find((r: any) => r.name === 'deployments/scale')).toMatchObject({ group: 'autoscaling', version: 'v1', kind: 'Scale' });
    expect((await get(sim, '/api/v1')).body.resources.map((r: any) => r.name).sort()).toEqual([
      'configmaps',
      'namespaces',
      'nodes',
      'pods',
      'secrets',
      'services',
    ]);
    expect((await get(sim, '/version')).body).toMatchObject({ major: '1', minor: '32' });
    expect((await get(sim, '/apis/batch/v1')).status).toBe(404);
  });

  it('lists Deployments of every namespace as a Table with the columns of the API server', async () => {
    const table = (await get(sim, '/apis/apps/v1/deployments?limit=500', TABLE)).body;
    expect(table).toMatchObject({ kind: 'Table', apiVersion: 'meta.k8s.io/v1' });
    expect(table.columnDefinitions.map((c: any) => c.name)).toEqual(['Name', 'Ready', 'Up-to-date', 'Available', 'Age', 'Containers', 'Images', 'Selector']);
    expect(table.columnDefinitions.filter((c: any) => c.priority === 1).map((c: any) => c.name)).toEqual(['Containers', 'Images', 'Selector']);
    const rows = Object.fromEntries(table.rows.map((r: any) => [`${r.object.metadata.namespace}/${r.cells[0]}`, r]));
    expect(Object.keys(rows).sort()).toEqual(['benefits/eligibility-api', 'benefits/receipt-svc', 'fema/portal']);
    expect(rows['benefits/eligibility-api'].cells.slice(1, 4)).toEqual(['4/4', 4, 4]);
    expect(rows['benefits/eligibility-api'].object.kind).toBe('PartialObjectMetadata');
  });

  it('prints HPAs, nodes and single objects as Tables too', async () => {
    const hpas = (await get(sim, '/apis/autoscaling/v2/horizontalpodautoscalers', TABLE)).body;
    expect(hpas.columnDefinitions.map((c: any) => c.name)).toEqual(['Name', 'Reference', 'Targets', 'MinPods', 'MaxPods', 'Replicas', 'Age']);
    expect(hpas.rows[0].cells.slice(0, 6)).toEqual(['receipt-svc', 'Deployment/receipt-svc', 'cpu: <unknown>/70%', 2, 10, 2]);
    const nodes = (await get(sim, '/api/v1/nodes', TABLE)).body;
    expect(nodes.columnDefinitions.map((c: any) => c.name).slice(0, 5)).toEqual(['Name', 'Status', 'Roles', 'Age', 'Version']);
    expect(nodes.rows[0].cells[1]).toBe('Ready');
    // The Version cell is what the node object reports.
    const node = (await get(sim, `/api/v1/nodes/${nodes.rows[0].cells[0]}`)).body;
    expect(nodes.rows[0].cells[4]).toBe(node.status.nodeInfo.kubeletVersion);
    const one = (await get(sim, '/apis/apps/v1/namespaces/fema/deployments/portal?includeObject=Object', TABLE)).body;
    expect(one.rows).toHaveLength(1);
    expect(one.rows[0].object.kind).toBe('Deployment');
    const plain = (await get(sim, '/apis/apps/v1/namespaces/fema/deployments/portal')).body;
    expect(plain.kind).toBe('Deployment');
  });

  it('selects Deployments by metadata.name, and refuses a field it cannot select by', async () => {
    const list = (await get(sim, '/apis/apps/v1/namespaces/benefits/deployments?fieldSelector=metadata.name%3Deligibility-api')).body;
    expect(list.items.map((d: any) => d.metadata.name)).toEqual(['eligibility-api']);
    expect((await get(sim, '/apis/apps/v1/namespaces/benefits/deployments?fieldSelector=spec.replicas%3D4')).status).toBe(400);
  });

  it('answers a malformed path with a 400, never a 500', async () => {
    const status = (path: string) =>
      new Promise<number>((resolve, reject) => {
        const target = new URL(sim.url);
        http
          .get({ host: target.hostname, port: target.port, path, headers: { authorization: `Bearer ${TOKEN}` } }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          })
          .on('error', reject);
      });
    expect(await status('/api/v1/namespaces/%ZZ')).toBe(400);
    expect(await status('/apis/apps/v1/namespaces/%ZZ/deployments?watch=true')).toBe(400);
    expect(await status('//x:abc')).toBe(400);
  });

  it('answers a namespace that holds objects, and 404 for one that does not', async () => {
    expect((await get(sim, '/api/v1/namespaces/benefits')).body).toMatchObject({ kind: 'Namespace', status: { phase: 'Active' } });
    const missing = await get(sim, '/api/v1/namespaces/nosuch');
    expect(missing.status).toBe(404);
    expect(missing.body.message).toBe('namespaces "nosuch" not found');
  });

  it('streams a watch from a resourceVersion: a scale arrives as MODIFIED, and the stream ends at timeoutSeconds', async () => {
    const list = (await get(sim, '/apis/apps/v1/namespaces/benefits/deployments?fieldSelector=metadata.name%3Deligibility-api')).body;
    const from = list.metadata.resourceVersion;
    const stream = watch(
      sim,
      `/apis/apps/v1/namespaces/benefits/deployments?watch=true&fieldSelector=metadata.name%3Deligibility-api&resourceVersion=${from}&timeoutSeconds=2`,
    );
    try {
      await new Promise((r) => setTimeout(r, 100));
      expect(stream.events).toEqual([]);
      expect((await patch(sim, '/apis/apps/v1/namespaces/benefits/deployments/eligibility-api/scale', { spec: { replicas: 6 } })).status).toBe(200);
      await stream.until(() => stream.events.some((e) => e.object.spec.replicas === 6 && e.object.status.readyReplicas === 6));
      expect(new Set(stream.events.map((e) => e.type))).toEqual(new Set(['MODIFIED']));
      expect(stream.events.every((e) => e.object.metadata.name === 'eligibility-api')).toBe(true);
      await stream.until(stream.ended);
    } finally {
      stream.close();
    }
  });

  it('starts a watch without resourceVersion with ADDED events, and reports a deletion', async () => {
    sim.seedDeployment({ namespace: 'scratch', name: 'doomed', replicas: 1 });
    const stream = watch(sim, '/apis/apps/v1/namespaces/scratch/deployments?watch=1');
    try {
      await stream.until(() => stream.events.length === 1);
      expect(stream.events[0]).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'doomed' } } });
      const res = await fetch(`${sim.url}/apis/apps/v1/namespaces/scratch/deployments/doomed`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(res.status).toBe(200);
      await stream.until(() => stream.events.some((e) => e.type === 'DELETED'));
    } finally {
      stream.close();
    }
  });
});

describe('the sandbox CA and kubeconfig', () => {
  let dir: string;
  const sims: K8sSimulator[] = [];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'hms-kube-'));
  });
  afterEach(async () => {
    await Promise.all(sims.splice(0).map((s) => s.close()));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves HTTPS that verifies against the CA, and a client without the CA is refused', async () => {
    const tls = await loadSandboxTls(join(dir, 'ca-only'));
    const sim = await startK8sSimulator({ token: TOKEN, podReadyDelayMs: 0, tls });
    sims.push(sim);
    expect(sim.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const caData = Buffer.from(tls.caPem).toString('base64');
    const trusted = await sendKubeRequest({ url: sim.url, caData }, TOKEN, { method: 'GET', path: '/version' }, 5_000);
    expect(trusted.status).toBe(200);
    await expect(sendKubeRequest({ url: sim.url }, TOKEN, { method: 'GET', path: '/version' }, 5_000)).rejects.toBeInstanceOf(KubeTransportError);
    const noToken = await sendKubeRequest({ url: sim.url, caData }, 'wrong', { method: 'GET', path: '/api' }, 5_000);
    expect(noToken.status).toBe(401);
    // The CA is made once and kept: a second load signs with the same one.
    expect((await loadSandboxTls(join(dir, 'ca-only'))).caPem).toBe(tls.caPem);
  });

  it('writes a kubeconfig, and a restart keeps its port, token and CA', async () => {
    const data = join(dir, 'restart');
    const first = await startSandboxKube(data, { podReadyDelayMs: 0 });
    sims.push(first.simulator);
    const config = readFileSync(first.kubeconfigPath, 'utf8');
    expect(config).toContain(`server: ${first.simulator.url}`);
    expect(config).toContain(`certificate-authority-data: ${first.caData}`);
    expect(config).toContain(`token: ${first.token}`);
    expect(config).toContain('current-context: hms-sys-sandbox');
    await first.simulator.close();
    sims.length = 0;

    const second = await startSandboxKube(data, { podReadyDelayMs: 0 });
    sims.push(second.simulator);
    expect(second.simulator.url).toBe(first.simulator.url);
    expect(readFileSync(second.kubeconfigPath, 'utf8')).toBe(config);
    expect(second.portChanged).toBe(false);
  });

  it('picks another port when the remembered one is taken, and rewrites the kubeconfig', async () => {
    const data = join(dir, 'taken');
    const first = await startSandboxKube(data, { podReadyDelayMs: 0 });
    const port = Number(new URL(first.simulator.url).port);
    await first.simulator.close();
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', resolve));
    try {
      const second = await startSandboxKube(data, { podReadyDelayMs: 0 });
      sims.push(second.simulator);
      expect(second.portChanged).toBe(true);
      expect(Number(new URL(second.simulator.url).port)).not.toBe(port);
      expect(readFileSync(second.kubeconfigPath, 'utf8')).toContain(`server: ${second.simulator.url}`);
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });
});
