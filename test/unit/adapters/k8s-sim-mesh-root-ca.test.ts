import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type K8sSimulator, startK8sSimulator } from '#adapters/local/k8s-simulator.ts';

const TOKEN = 'root-ca-token';

async function call(sim: K8sSimulator, method: string, path: string, body?: unknown) {
  const res = await fetch(`${sim.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

const rootOf = async (sim: K8sSimulator) => {
  const secret = (await call(sim, 'GET', '/api/v1/namespaces/istio-system/secrets/cacerts')).body;
  return { secret, pem: Buffer.from(secret.data['root-cert.pem'], 'base64').toString('utf8') };
};

describe("the mesh root CA as Istio keeps it: the cacerts Secret and each namespace's istio-ca-root-cert", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('makes a real self-signed root valid for 10 years, and writes it into every namespace but kube-system', async () => {
    const sim = await startK8sSimulator({ token: TOKEN, podReadyDelayMs: 0 });
    try {
      sim.seedDeployment({ namespace: 'benefits', name: 'receipt-svc', replicas: 1 });
      const { secret, pem } = await rootOf(sim);
      expect(Object.keys(secret.data).sort()).toEqual(['ca-cert.pem', 'ca-key.pem', 'cert-chain.pem', 'root-cert.pem']);
      const cert = new X509Certificate(pem);
      expect(cert.ca).toBe(true);
      expect(cert.checkIssued(cert)).toBe(true);
      expect(cert.verify(cert.publicKey)).toBe(true);
      const years = (Date.parse(cert.validTo) - Date.now()) / (365 * 86_400_000);
      expect(years).toBeGreaterThan(9.9);
      expect(years).toBeLessThan(10.1);
      const configMap = await call(sim, 'GET', '/api/v1/namespaces/benefits/configmaps/istio-ca-root-cert');
      expect(configMap.status).toBe(200);
      expect(configMap.body.data).toEqual({ 'root-cert.pem': pem });
      const all = (await call(sim, 'GET', '/api/v1/configmaps')).body.items.map((c: any) => `${c.metadata.namespace}/${c.metadata.name}`);
      expect(all).toEqual(['benefits/istio-ca-root-cert', 'default/istio-ca-root-cert', 'istio-system/istio-ca-root-cert']);
      expect((await call(sim, 'GET', '/api/v1/namespaces/kube-system/configmaps/istio-ca-root-cert')).status).toBe(404);
    } finally {
      await sim.close();
    }
  });

  it('takes notAfter for tests of its expiry, and keeps the root across restarts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'k8s-sim-root-'));
    dirs.push(dir);
    const stateFile = join(dir, 'k8s-sim.json');
    const notAfter = new Date(Date.now() + 20 * 86_400_000);
    const first = await startK8sSimulator({ token: TOKEN, podReadyDelayMs: 0, stateFile, meshRootCa: { notAfter } });
    const { pem } = await rootOf(first);
    await first.close();
    expect(Date.parse(new X509Certificate(pem).validTo)).toBe(Math.floor(notAfter.getTime() / 1000) * 1000);
    const second = await startK8sSimulator({ token: TOKEN, podReadyDelayMs: 0, stateFile });
    try {
      expect((await rootOf(second)).pem).toBe(pem);
      expect((await call(second, 'GET', '/api/v1/namespaces/default/configmaps/istio-ca-root-cert')).body.data['root-cert.pem']).toBe(pem);
    } finally {
      await second.close();
    }
  });
});
