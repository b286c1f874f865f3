/**
 * Hand-written objects in Istio's and Kubernetes' documented shapes, pods served by a real PodFleet
 * on loopback, and a MeshProxy over them with a clock the test moves, for the data plane's unit tests.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';
import { podTargets } from '#adapters/local/mesh-data-plane/data-plane.ts';
import { type MeshObjects, MeshSnapshot } from '#adapters/local/mesh-data-plane/mesh-snapshot.ts';
import { PodFleet } from '#adapters/local/mesh-data-plane/pod-fleet.ts';
import { MeshProxy } from '#adapters/local/mesh-data-plane/proxy.ts';
import { MeshTelemetry } from '#adapters/local/mesh-data-plane/telemetry.ts';
import type { KubeObject } from '#domain/mesh/kube-resources.ts';

type Any = Record<string, any>;
const meta = (name: string, namespace: string, extra: Any = {}) => ({
  name,
  namespace,
  uid: `${namespace}-${name}`,
  resourceVersion: '1',
  generation: 1,
  ...extra,
});

export function pod(name: string, ip: string, labels: Record<string, string>, namespace = 'default'): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: meta(name, namespace, { labels: { 'hms/mesh': 'enabled', ...labels } }),
    status: { phase: 'Running', podIP: ip, conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

export function service(name: string, port: number, namespace = 'default'): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(name, namespace),
    spec: { selector: { app: name }, ports: [{ name: 'http', port, targetPort: port }] },
  };
}

export function endpointSlice(serviceName: string, port: number, pods: KubeObject[], namespace = 'default'): KubeObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: meta(`${serviceName}-abc12`, namespace, { labels: { 'kubernetes.io/service-name': serviceName } }),
    addressType: 'IPv4',
    ports: [{ name: 'http', port, protocol: 'TCP' }],
    endpoints: pods.map((p) => ({
      addresses: [(p as Any).status.podIP],
      conditions: { ready: true },
      targetRef: { kind: 'Pod', name: p.metadata.name, namespace },
    })),
  };
}

export function serviceEntry(name: string, port: number, namespace = 'default'): KubeObject {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'ServiceEntry',
    metadata: meta(`${name}-mesh`, namespace),
    spec: {
      hosts: [`${name}.mesh`],
      location: 'MESH_INTERNAL',
      resolution: 'STATIC',
      ports: [
        { number: port, name: 'http', protocol: 'HTTP', targetPort: port },
        { number: 80, name: 'http-80', protocol: 'HTTP', targetPort: port },
      ],
      workloadSelector: { labels: { app: name } },
    },
  };
}

export function virtualService(name: string, http: Any[], namespace = 'default', hosts = [`${name}.mesh`, name]): KubeObject {
  return { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: meta(name, namespace), spec: { hosts, http } };
}

export function destinationRule(name: string, trafficPolicy: Any, subsets?: Any[], namespace = 'default'): KubeObject {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: meta(name, namespace),
    spec: { host: `${name}.mesh`, trafficPolicy, ...(subsets ? { subsets } : {}) },
  };
}

export interface ProxyHarness {
  objects: MeshObjects;
  fleet: PodFleet;
  telemetry: MeshTelemetry;
  proxy: MeshProxy;
  /** The ejection clock, in ms; move it with `clock.ms += ...`. */
  clock: { ms: number };
  randoms: number[];
  /** Installs `objects` as the current snapshot and starts the pods' servers. */
  install(): Promise<void>;
  /** Sends a request through the proxy as curl --proxy would; `as` is the calling workload. */
  call(url: string, options?: { as?: string; method?: string }): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }>;
  requestsTo(pod: string): number;
}

/** A proxy over two pods of receipt-svc (10.1.0.1 and 10.1.0.2) on port 8080 unless `objects` says otherwise. */
export async function proxyHarness(setup: (objects: MeshObjects) => void): Promise<ProxyHarness> {
  const a = pod('receipt-svc-a', '10.1.0.1', { app: 'receipt-svc', version: 'v1' });
  const b = pod('receipt-svc-b', '10.1.0.2', { app: 'receipt-svc', version: 'v2' });
  const caller = pod('return-intake-x', '10.1.0.9', { app: 'return-intake' });
  const objects: MeshObjects = {
    virtualServices: [],
    destinationRules: [],
    serviceEntries: [serviceEntry('receipt-svc', 8080)],
    services: [service('receipt-svc', 8080)],
    endpointSlices: [endpointSlice('receipt-svc', 8080, [a, b])],
    pods: [a, b, caller],
    authorizationPolicies: [],
  };
  setup(objects);
  const clock = { ms: Date.parse('2026-01-01T00:00:00Z') };
  const fleet = new PodFleet();
  const telemetry = new MeshTelemetry(() => new Date(clock.ms));
  const randoms: number[] = [];
  let snapshot = new MeshSnapshot(objects);
  const proxy = new MeshProxy({
    snapshot: () => snapshot,
    telemetry,
    resolve: (e) => fleet.resolve(e),
    now: () => clock.ms,
    random: () => randoms.shift() ?? 0,
  });
  const server = http.createServer(proxy.listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const harness: ProxyHarness = {
    objects,
    fleet,
    telemetry,
    proxy,
    clock,
    randoms,
    install: async () => {
      snapshot = new MeshSnapshot(objects);
      await fleet.sync(podTargets(snapshot));
    },
    call: (url, options = {}) =>
      new Promise((resolve, reject) => {
        const headers: http.OutgoingHttpHeaders = { host: new URL(url).host };
        if (options.as) headers['proxy-authorization'] = `Basic ${Buffer.from(`${options.as}:`).toString('base64')}`;
        const req = http.request({ host: '127.0.0.1', port, method: options.method ?? 'GET', path: url, headers, agent: false }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
        });
        req.on('error', reject);
        req.end();
      }),
    requestsTo: (name) => fleet.list().find((p) => p.pod === name)?.requests ?? 0,
  };
  await harness.install();
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    proxy.close();
    await fleet.close();
  });
  return harness;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});
