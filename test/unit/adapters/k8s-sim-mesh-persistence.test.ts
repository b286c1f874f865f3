import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type K8sSimulator, startK8sSimulator } from '#adapters/local/k8s-simulator.ts';

const TOKEN = 'persist-token';
const VS = '/apis/networking.istio.io/v1/namespaces/benefits/virtualservices/receipt-svc';
const DEPLOY = '/apis/apps/v1/namespaces/benefits/deployments/receipt-svc';

async function call(sim: K8sSimulator, method: string, path: string, body?: unknown, contentType = 'application/json') {
  const res = await fetch(`${sim.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': contentType },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

const apply = (sim: K8sSimulator, path: string, object: unknown) => call(sim, 'PATCH', `${path}?fieldManager=hms-sys`, object, 'application/apply-patch+yaml');

const virtualService = {
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name: 'receipt-svc', labels: { 'app.kubernetes.io/managed-by': 'hms-sys' } },
  spec: { hosts: ['receipt-svc'], http: [{ route: [{ destination: { host: 'receipt-svc' } }] }] },
};
const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'receipt-svc' },
  spec: {
    selector: { matchLabels: { app: 'receipt-svc' } },
    template: {
      metadata: { labels: { app: 'receipt-svc', 'hms/mesh': 'enabled' } },
      spec: { containers: [{ name: 'receipt-svc', image: 'ghcr.io/gov/receipt:1.0', ports: [{ name: 'http', containerPort: 8080 }] }] },
    },
  },
};

describe('the mesh objects survive a simulator restart', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('keeps Istio objects, Services, Secrets and applied Deployments with their managedFields, so a re-apply changes nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'k8s-sim-mesh-'));
    dirs.push(dir);
    const stateFile = join(dir, 'k8s-sim.json');
    const first = await startK8sSimulator({ token: TOKEN, podReadyDelayMs: 0, stateFile });
    const vs = (await apply(first, VS, virtualService)).body;
    const deploy = (await apply(first, DEPLOY, deployment)).body;
    const secret = (
      await call(first, 'POST', '/api/v1/namespaces/benefits/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: { k: 'v' } })
    ).body;
    expect(secret.data).toEqual({ k: Buffer.from('v').toString('base64') });
    await first.close();

    const second = await startK8sSimulator({ token: TOKEN, podReadyDelayMs: 0, stateFile });
    try {
      expect(second.resumed).toBe(true);
      const got = (await call(second, 'GET', VS)).body;
      expect(got).toEqual(vs);
      expect((await call(second, 'GET', '/api/v1/namespaces/benefits/secrets/s')).body.data).toEqual(secret.data);
      const again = await apply(second, VS, virtualService);
      expect(again.body.metadata.resourceVersion).toBe(vs.metadata.resourceVersion);
      const resumed = (await call(second, 'GET', DEPLOY)).body;
      expect(resumed.metadata.managedFields).toEqual(deploy.metadata.managedFields);
      expect(resumed.spec.template.spec.containers[0].ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
      expect(resumed.spec.selector).toEqual({ matchLabels: { app: 'receipt-svc' } });
      const reapplied = await apply(second, DEPLOY, deployment);
      expect(reapplied.status).toBe(200);
      expect(reapplied.body.metadata.generation).toBe(resumed.metadata.generation);
    } finally {
      await second.close();
    }
  });
});
