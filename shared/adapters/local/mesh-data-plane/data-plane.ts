/**
 * The sandbox's local mesh data plane: a stand-in for the Envoy sidecars of an Istio mesh, as the
 * Kubernetes simulator stands in for the API server. It reads the objects hms-sys rendered from the
 * API server (config-source.ts), runs an HTTP server for each Ready meshed pod (pod-fleet.ts),
 * proxies callers' requests through them (proxy.ts, default port 15001) and serves Istio's
 * standard metrics at /stats/prometheus (Envoy's port 15090).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KubeObject } from '#domain/mesh/kube-resources.ts';
import type { Clock } from '#ports/clock.ts';
import { ConfigSource } from './config-source.ts';
import { isPodReady, type MeshSnapshot } from './mesh-snapshot.ts';
import { PodFleet } from './pod-fleet.ts';
import { MeshProxy } from './proxy.ts';
import { MeshTelemetry } from './telemetry.ts';

/** Envoy's outbound capture port and its merged Prometheus stats port. */
export const DEFAULT_PROXY_PORT = 15001;
export const DEFAULT_STATS_PORT = 15090;

export interface DataPlaneOptions {
  /** The API server and its credentials. */
  kube: { url: string; caData?: string; token: string };
  clock: Clock;
  /** 15001 and 15090 by default; 0 picks a free port; a taken port falls back to a free one. */
  proxyPort?: number;
  statsPort?: number;
  pollIntervalMs?: number;
  random?: () => number;
}

export interface DataPlane {
  proxyUrl: string;
  statsUrl: string;
  telemetry: MeshTelemetry;
  pods: PodFleet;
  config: ConfigSource;
  proxy: MeshProxy;
  close(): Promise<void>;
}

export async function startDataPlane(options: DataPlaneOptions): Promise<DataPlane> {
  const telemetry = new MeshTelemetry(() => options.clock.now());
  const pods = new PodFleet();
  const config = new ConfigSource({
    ...options.kube,
    ...(options.pollIntervalMs === undefined ? {} : { intervalMs: options.pollIntervalMs }),
    install: (snapshot) => pods.sync(podTargets(snapshot)),
  });
  const proxy = new MeshProxy({
    snapshot: () => config.snapshot(),
    telemetry,
    resolve: (endpoint) => pods.resolve(endpoint),
    now: () => options.clock.now().getTime(),
    ...(options.random ? { random: options.random } : {}),
  });
  await config.poll();
  config.start();
  const proxyServer = http.createServer(proxy.listener);
  const statsServer = http.createServer((req, res) => {
    if (req.method === 'GET' && (req.url === '/stats/prometheus' || req.url?.startsWith('/stats/prometheus?'))) {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(telemetry.prometheus());
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found: the local data plane serves GET /stats/prometheus');
    }
  });
  const proxyPort = await listenOrFree(proxyServer, options.proxyPort ?? DEFAULT_PROXY_PORT);
  const statsPort = await listenOrFree(statsServer, options.statsPort ?? DEFAULT_STATS_PORT);
  return {
    proxyUrl: `http://127.0.0.1:${proxyPort}`,
    statsUrl: `http://127.0.0.1:${statsPort}/stats/prometheus`,
    telemetry,
    pods,
    config,
    proxy,
    close: async () => {
      await config.close();
      telemetry.close();
      proxy.close();
      await Promise.all([closeServer(proxyServer), closeServer(statsServer)]);
      await pods.close();
    },
  };
}

/** Ready meshed pods with an IP, and every Ready endpoint of an EndpointSlice that names its pod, each with its service. */
export function podTargets(snapshot: MeshSnapshot) {
  type Any = Record<string, any>;
  const targets = new Map<string, { pod: string; namespace: string; service: string; address: string }>();
  for (const slice of snapshot.objects.endpointSlices as Any[]) {
    const service = slice.metadata.labels?.['kubernetes.io/service-name'];
    for (const e of slice.endpoints ?? []) {
      if (e.conditions?.ready === false || !e.addresses?.[0] || e.targetRef?.kind !== 'Pod' || !service) continue;
      targets.set(e.addresses[0], { pod: e.targetRef.name, namespace: slice.metadata.namespace ?? 'default', service, address: e.addresses[0] });
    }
  }
  for (const p of snapshot.objects.pods as Any[]) {
    const address = p.status?.podIP;
    if (!isPodReady(p as KubeObject) || typeof address !== 'string' || targets.has(address)) continue;
    const labels = p.metadata.labels ?? {};
    targets.set(address, {
      pod: p.metadata.name,
      namespace: p.metadata.namespace ?? 'default',
      service: labels['hms-sys.io/service'] ?? labels.app ?? p.metadata.name,
      address,
    });
  }
  return [...targets.values()];
}

function listenOrFree(server: http.Server, port: number): Promise<number> {
  const attempt = (p: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(p, '127.0.0.1', () => {
        server.off('error', reject);
        resolve((server.address() as AddressInfo).port);
      });
    });
  return attempt(port).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EADDRINUSE' || port === 0) throw err;
    return attempt(0);
  });
}

function closeServer(server: http.Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
