import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubernetesMesh } from '#adapters/aws/kubernetes-mesh.ts';
import { type K8sSimulator, startK8sSimulator } from '#adapters/local/k8s-simulator.ts';

const TOKEN = 'endpoints-token';

async function call(sim: K8sSimulator, method: string, path: string, body?: unknown, contentType = 'application/json') {
  const res = await fetch(`${sim.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': contentType },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

const apply = (sim: K8sSimulator, path: string, object: unknown) => call(sim, 'PATCH', `${path}?fieldManager=hms-sys`, object, 'application/apply-patch+yaml');

function watch(sim: K8sSimulator, path: string) {
  const events: { type: string; object: any }[] = [];
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
  });
  const until = async (done: () => boolean) => {
    for (let i = 0; i < 200 && !done(); i++) await new Promise((r) => setTimeout(r, 25));
    if (!done()) throw new Error(`condition not met; events: ${events.map((e) => `${e.type} ${e.object?.metadata?.name}`).join(', ')}`);
  };
  return { events, until, close: () => req.destroy() };
}

const service = (name: string, targetPort: number | string = 8080) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name },
  spec: { selector: { app: name }, ports: [{ name: 'http', port: 8080, targetPort }] },
});

describe('pod IPs, EndpointSlices and watches of the mesh kinds', () => {
  let sim: K8sSimulator;
  let now = 1_000_000;
  beforeAll(async () => {
    sim = await startK8sSimulator({ token: TOKEN, podReadyDelayMs: 1_000, now: () => now });
    sim.seedDeployment({ namespace: 'benefits', name: 'receipt-svc', replicas: 2 });
  });
  afterAll(() => sim.close());

  it('gives every scheduled pod a distinct 10.x pod IP', async () => {
    const pods = (await call(sim, 'GET', '/api/v1/namespaces/benefits/pods')).body.items;
    const ips = pods.map((p: any) => p.status.podIP);
    expect(ips).toHaveLength(2);
    for (const ip of ips) expect(ip).toMatch(/^10\.\d+\.\d+\.\d+$/);
    expect(new Set(ips).size).toBe(2);
    expect(pods[0].status.podIPs).toEqual([{ ip: ips[0] }]);
  });

  it('lists a Service selecting Ready pods in its EndpointSlice, and follows the pods', async () => {
    expect((await apply(sim, '/api/v1/namespaces/benefits/services/receipt-svc', service('receipt-svc'))).status).toBe(201);
    const slices = (
      await call(sim, 'GET', '/apis/discovery.k8s.io/v1/namespaces/benefits/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Dreceipt-svc')
    ).body;
    expect(slices.kind).toBe('EndpointSliceList');
    expect(slices.items).toHaveLength(1);
    const slice = slices.items[0];
    expect(slice).toMatchObject({ addressType: 'IPv4', ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] });
    expect(slice.endpoints.map((e: any) => e.conditions.ready)).toEqual([true, true]);
    const podIps = (await call(sim, 'GET', '/api/v1/namespaces/benefits/pods')).body.items.map((p: any) => p.status.podIP).sort();
    expect(slice.endpoints.flatMap((e: any) => e.addresses).sort()).toEqual(podIps);
    expect(slice.endpoints[0].targetRef).toMatchObject({ kind: 'Pod', namespace: 'benefits' });
    const byName = await call(sim, 'GET', `/apis/discovery.k8s.io/v1/namespaces/benefits/endpointslices/${slice.metadata.name}`);
    expect(byName.body.metadata.resourceVersion).toBe(slice.metadata.resourceVersion);

    // A third pod is listed as not ready until its readiness delay has passed.
    expect(
      (await call(sim, 'PATCH', '/apis/apps/v1/namespaces/benefits/deployments/receipt-svc/scale', { spec: { replicas: 3 } }, 'application/merge-patch+json'))
        .status,
    ).toBe(200);
    const grown = (await call(sim, 'GET', '/apis/discovery.k8s.io/v1/namespaces/benefits/endpointslices')).body.items[0];
    expect(grown.endpoints.map((e: any) => e.conditions.ready).sort()).toEqual([false, true, true]);
    expect(Number(grown.metadata.resourceVersion)).toBeGreaterThan(Number(slice.metadata.resourceVersion));
    now += 1_000;
    const ready = (await call(sim, 'GET', '/apis/discovery.k8s.io/v1/namespaces/benefits/endpointslices')).body.items[0];
    expect(ready.endpoints.map((e: any) => e.conditions.ready)).toEqual([true, true, true]);
  });

  it('resolves a named targetPort through the pods containers, and lists no port it cannot resolve', async () => {
    await apply(sim, '/apis/apps/v1/namespaces/benefits/deployments/named', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'named' },
      spec: {
        selector: { matchLabels: { app: 'named' } },
        template: {
          metadata: { labels: { app: 'named' } },
          spec: { containers: [{ name: 'named', image: 'n:1', ports: [{ name: 'web', containerPort: 9090 }] }] },
        },
      },
    });
    await apply(sim, '/api/v1/namespaces/benefits/services/named', service('named', 'web'));
    await apply(sim, '/api/v1/namespaces/benefits/services/unnamed', {
      ...service('unnamed', 'missing'),
      spec: { selector: { app: 'named' }, ports: [{ name: 'http', port: 80, targetPort: 'missing' }] },
    });
    const slices = (await call(sim, 'GET', '/apis/discovery.k8s.io/v1/endpointslices')).body.items;
    const bySvc = (svc: string) => slices.find((s: any) => s.metadata.labels['kubernetes.io/service-name'] === svc);
    expect(bySvc('named').ports).toEqual([{ name: 'http', port: 9090, protocol: 'TCP' }]);
    expect(bySvc('unnamed').ports).toEqual([]);
  });

  it('serves a slice with no endpoints as a real API server does ("endpoints": null, "ports": null), and the adapter reads it as none', async () => {
    await apply(sim, '/api/v1/namespaces/benefits/services/nobody', service('nobody'));
    const slices = (await call(sim, 'GET', '/apis/discovery.k8s.io/v1/namespaces/benefits/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Dnobody'))
      .body.items;
    expect(slices).toHaveLength(1);
    expect(slices[0]).toMatchObject({ endpoints: null, ports: null });
    const mesh = new KubernetesMesh({ endpointFor: async () => ({ url: sim.url }), tokenFor: async () => TOKEN });
    expect(await mesh.readyEndpoints('sandbox', 'benefits', 'nobody')).toEqual([]);
  });

  it('streams VirtualService changes to a watcher, deletions included', async () => {
    const path = '/apis/networking.istio.io/v1/namespaces/benefits/virtualservices';
    const vs = (attempts: number) => ({
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'receipt-svc' },
      spec: { hosts: ['receipt-svc'], http: [{ route: [{ destination: { host: 'receipt-svc' } }], retries: { attempts } }] },
    });
    await apply(sim, `${path}/receipt-svc`, vs(1));
    const stream = watch(sim, `${path}?watch=1`);
    try {
      await stream.until(() => stream.events.length === 1);
      expect(stream.events[0]).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'receipt-svc', generation: 1 } } });
      await apply(sim, `${path}/receipt-svc`, vs(3));
      await stream.until(() => stream.events.length === 2);
      expect(stream.events[1]).toMatchObject({ type: 'MODIFIED', object: { metadata: { generation: 2 }, spec: { http: [{ retries: { attempts: 3 } }] } } });
      await call(sim, 'DELETE', `${path}/receipt-svc`);
      await stream.until(() => stream.events.length === 3);
      expect(stream.events[2]?.type).toBe('DELETED');
    } finally {
      stream.close();
    }
  });

  it('streams EndpointSlice changes when a pod becomes Ready', async () => {
    const stream = watch(
      sim,
      '/apis/discovery.k8s.io/v1/namespaces/benefits/endpointslices?watch=true&labelSelector=kubernetes.io%2Fservice-name%3Dreceipt-svc',
    );
    try {
      await stream.until(() => stream.events.length === 1);
      await call(sim, 'PATCH', '/apis/apps/v1/namespaces/benefits/deployments/receipt-svc/scale', { spec: { replicas: 4 } }, 'application/merge-patch+json');
      await stream.until(() => stream.events.some((e) => e.type === 'MODIFIED' && e.object.endpoints.length === 4));
      now += 1_000;
      await stream.until(() => stream.events.some((e) => e.object.endpoints?.every((ep: any) => ep.conditions.ready) && e.object.endpoints.length === 4));
    } finally {
      stream.close();
    }
  });
});
