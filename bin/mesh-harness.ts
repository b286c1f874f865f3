/**
 * What `npm run demo:mesh` and the mesh benchmarks share: calls through the sandbox's local data
 * plane as a workload's sidecar would make them, the data plane's view of pods and enforced
 * configuration, and waits on real time with a deadline (the sandbox clock only moves when told).
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import type { DataPlane } from '#adapters/local/mesh-data-plane/data-plane.ts';

export interface MeshAnswer {
  status: number;
  body: string;
  /** The pod that answered, when the body is the simulated pod's JSON. */
  pod?: string;
  headers: http.IncomingHttpHeaders;
  ms: number;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** One HTTP request to `url`, sent to `via` (the data plane's proxy) as a forward proxy, or straight to it. */
export function httpCall(url: string, options: { via?: string; source?: string; method?: string; body?: string } = {}): Promise<MeshAnswer> {
  const target = new URL(url);
  const hop = new URL(options.via ?? url);
  const headers: http.OutgoingHttpHeaders = { host: target.host };
  // The proxy takes the caller's workload as the proxy user (curl -x http://return-intake@127.0.0.1:15001).
  if (options.source) headers['proxy-authorization'] = `Basic ${Buffer.from(`${options.source}:`).toString('base64')}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: hop.hostname,
        port: hop.port,
        method: options.method ?? 'GET',
        path: options.via ? target.href : `${target.pathname}${target.search}`,
        headers,
        agent,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          let pod: string | undefined;
          try {
            pod = (JSON.parse(body) as { pod?: string }).pod;
          } catch {
            pod = undefined;
          }
          resolve({ status: res.statusCode ?? 0, body, headers: res.headers, ms: performance.now() - started, ...(pod ? { pod } : {}) });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** The Ready pods the data plane serves for a service, by name. */
export const podsOf = (plane: DataPlane, service: string) =>
  plane.pods
    .list()
    .filter((p) => p.service === service)
    .sort((a, b) => a.pod.localeCompare(b.pod));

/** Polls `probe` every `everyMs` of real time until it returns a value, or throws naming `what` after `limitMs`. */
export async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, limitMs = 15_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${limitMs / 1000} s`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** The generation of a live object the data plane enforces, or undefined before it does. */
export function enforced(plane: DataPlane, kind: string, namespace: string, name: string) {
  return plane.config.status().objects.find((o) => o.kind === kind && o.namespace === namespace && o.name === name);
}

/**
 * Runs `run` and returns, with its value, the Envoy response flags the proxy recorded for the calls
 * it made to `service` as their callers saw them (reporter="source"; "-" when none): UH is "no
 * healthy upstream" (no pod tried), UF a refused connection, URX retries exhausted.
 */
export async function withResponseFlags<T>(plane: DataPlane, service: string, run: () => Promise<T>): Promise<{ value: T; flags: string[] }> {
  const counts = () => {
    const byFlags = new Map<string, number>();
    for (const s of plane.telemetry.snapshot()) {
      if (s.labels.reporter !== 'source' || s.labels.destination_service_name !== service) continue;
      byFlags.set(s.labels.response_flags, (byFlags.get(s.labels.response_flags) ?? 0) + s.requests);
    }
    return byFlags;
  };
  const before = counts();
  const value = await run();
  const flags: string[] = [];
  for (const [label, count] of counts()) for (let i = before.get(label) ?? 0; i < count; i++) flags.push(label);
  return { value, flags };
}

/** The service's pods that GET /sandbox/mesh/config lists as ejected (outlier detection) for any caller. */
export function ejectedPods(config: { ejected?: Record<string, string[]> }, pods: readonly { pod: string; address: string }[]): string[] {
  const hosts = Object.values(config.ejected ?? {}).flat();
  return pods.filter((p) => hosts.some((host) => host.slice(0, host.lastIndexOf(':')) === p.address)).map((p) => p.pod);
}
