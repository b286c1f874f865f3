import { afterEach, describe, expect, it } from 'vitest';
import { type K8sSimulator, startK8sSimulator } from '#adapters/local/k8s-simulator.ts';
import { ConfigSource } from '#adapters/local/mesh-data-plane/config-source.ts';
import { podTargets, startDataPlane } from '#adapters/local/mesh-data-plane/data-plane.ts';
import { MeshSnapshot } from '#adapters/local/mesh-data-plane/mesh-snapshot.ts';
import { endpointSlice, pod } from './mesh-data-plane-fixture.ts';

const TOKEN = 'data-plane-test-token';
const VS_PATH = '/apis/networking.istio.io/v1/namespaces/default/virtualservices';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function simulator(): Promise<K8sSimulator> {
  const sim = await startK8sSimulator({ token: TOKEN, podReadyDelayMs: 0 });
  closers.push(() => sim.close());
  return sim;
}

async function applyVs(sim: K8sSimulator, timeout: string): Promise<Record<string, any>> {
  const object = {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: 'receipt-svc', namespace: 'default' },
    spec: { hosts: ['receipt-svc.mesh'], http: [{ route: [{ destination: { host: 'receipt-svc.default.svc.cluster.local' } }], timeout }] },
  };
  const res = await fetch(`${sim.url}${VS_PATH}/receipt-svc?fieldManager=hms-sys`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/apply-patch+yaml' },
    body: JSON.stringify(object),
  });
  expect(res.status).toBeLessThan(300);
  return (await res.json()) as Record<string, any>;
}

describe("the local data plane's configuration, read from the API server", () => {
  it('records the generation of each object it enforces and when, and waits for a later one', async () => {
    const sim = await simulator();
    const source = new ConfigSource({ url: sim.url, token: TOKEN, install: async () => undefined });
    closers.push(() => source.close());
    const first = await applyVs(sim, '1s');
    await source.poll();
    const enforced = source.status().objects.find((o) => o.kind === 'VirtualService');
    expect(enforced).toMatchObject({
      namespace: 'default',
      name: 'receipt-svc',
      generation: first.metadata.generation,
      resourceVersion: first.metadata.resourceVersion,
    });
    expect(Date.parse(enforced!.enforcedAt)).not.toBeNaN();
    expect(source.snapshot().virtualServiceFor('receipt-svc.mesh')?.metadata.name).toBe('receipt-svc');

    const waiting = source.waitFor('VirtualService', 'default', 'receipt-svc', first.metadata.generation + 1);
    const second = await applyVs(sim, '2s');
    expect(second.metadata.generation).toBe(first.metadata.generation + 1);
    await source.poll();
    const later = await waiting;
    expect(later.generation).toBe(second.metadata.generation);
    expect((source.snapshot().virtualServiceFor('receipt-svc.mesh') as any).spec.http[0].timeout).toBe('2s');

    // An identical apply changes nothing, so nothing new is recorded.
    await applyVs(sim, '2s');
    await source.poll();
    expect(source.status().objects.find((o) => o.kind === 'VirtualService')?.enforcedAt).toBe(later.enforcedAt);
  });

  it('keeps the last good configuration when the API server refuses, and says why', async () => {
    const sim = await simulator();
    await applyVs(sim, '1s');
    const source = new ConfigSource({ url: sim.url, token: 'wrong-token', install: async () => undefined });
    closers.push(() => source.close());
    await source.poll();
    expect(source.status().lastError).toMatch(/answered 401/);
    expect(source.snapshot().virtualServiceFor('receipt-svc.mesh')).toBeUndefined();
  });

  it('serves Istio metrics at /stats/prometheus and falls back to a free port when the one asked for is taken', async () => {
    const sim = await simulator();
    const clock = { now: () => new Date() };
    const first = await startDataPlane({ kube: { url: sim.url, token: TOKEN }, clock, proxyPort: 0, statsPort: 0 });
    closers.push(() => first.close());
    const taken = Number(new URL(first.proxyUrl).port);
    const second = await startDataPlane({ kube: { url: sim.url, token: TOKEN }, clock, proxyPort: taken, statsPort: 0 });
    closers.push(() => second.close());
    expect(second.proxyUrl).not.toBe(first.proxyUrl);
    // A host the mesh does not know: Envoy's 404 with flag NR, counted like any answer.
    const answer = await fetch(`${second.proxyUrl}/nowhere`, { headers: { host: 'unknown.mesh' } });
    expect(answer.status).toBe(404);
    const text = await (await fetch(second.statsUrl)).text();
    expect(text).toContain('response_code="404",response_flags="NR"} 1');
    expect((await fetch(second.statsUrl.replace('/stats/prometheus', '/other'))).status).toBe(404);
  });

  it("serves every Ready endpoint of a Service's slices (a team's own Deployment) and every Ready meshed pod", () => {
    const own = pod('notification-svc-1', '10.2.0.1', { app: 'notification-svc' });
    delete own.metadata.labels!['hms/mesh'];
    const meshed = pod('return-intake', '10.2.0.9', { app: 'return-intake' });
    const starting = {
      ...pod('return-intake-2', '10.2.0.10', { app: 'return-intake' }),
      status: { phase: 'Running', podIP: '10.2.0.10', conditions: [{ type: 'Ready', status: 'False' }] },
    };
    const snapshot = new MeshSnapshot({
      virtualServices: [],
      destinationRules: [],
      serviceEntries: [],
      services: [],
      endpointSlices: [endpointSlice('notification-svc', 7000, [own])],
      pods: [meshed, starting],
      authorizationPolicies: [],
    });
    expect(podTargets(snapshot).sort((a, b) => a.address.localeCompare(b.address))).toEqual([
      { pod: 'notification-svc-1', namespace: 'default', service: 'notification-svc', address: '10.2.0.1' },
      { pod: 'return-intake', namespace: 'default', service: 'return-intake', address: '10.2.0.9' },
    ]);
  });
});
