/**
 * The mesh's figures (issue 11 §10), in one sandbox of this process with its local data plane:
 * - apply latency: POST /manifests of a fresh service until the answer, which comes once the
 *   simulator has accepted every object by server-side apply; baseline GET /registry in the same run;
 * - propagation: POST /policies with a changed timeoutMs until the data plane enforces the new
 *   VirtualService (its enforcedAt), over `applies` applies; target p99 under 1 s (the seeds promise 5 s);
 * - added latency: the same request to a pod straight and through the data plane, interleaved;
 * - pause to first 503: POST /policies/pause until a call through the data plane answers 503 Service Paused.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { OffsetClock } from '#adapters/local/offset-clock.ts';
import { startSandbox } from '#sandbox/sandbox.ts';
import { apiClient } from '../../bin/client.ts';
import { enforced, httpCall, podsOf, until } from '../../bin/mesh-harness.ts';
import type { Figure } from './report.ts';
import { percentile, round } from './stats.ts';

export interface MeshBenchParameters {
  applies: number;
  propagations: number;
  requests: number;
  pauses: number;
}

export interface MeshSamples {
  applyMs: number[];
  registryReadMs: number[];
  propagationMs: number[];
  directMs: number[];
  proxiedMs: number[];
  pauseTo503Ms: number[];
}

const seed = (file: string) => readFileSync(new URL(`../fixtures/seeds/${file}`, import.meta.url), 'utf8');

export async function measureMesh(p: MeshBenchParameters): Promise<MeshSamples> {
  process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  const clock = new OffsetClock();
  const sandbox = await startSandbox({
    clock,
    persistState: false,
    podReadyDelayMs: 100,
    reconcileSeconds: 3_600,
    alarmEvaluationSeconds: 3_600,
    meterSeconds: 3_600,
    burstTickSeconds: 3_600,
  });
  const plane = sandbox.meshDataPlane.dataPlane;
  const api = apiClient(sandbox.url, sandbox.tokens.admin!);
  const post = (path: string, text: string) => api.call('POST', path, text, 'application/yaml');
  const timed = async (run: () => Promise<unknown>) => {
    const started = performance.now();
    await run();
    return performance.now() - started;
  };
  const samples: MeshSamples = { applyMs: [], registryReadMs: [], propagationMs: [], directMs: [], proxiedMs: [], pauseTo503Ms: [] };
  try {
    // Apply: chapter 10's file under fresh names (no image: no pods to start), interleaved with a registry read.
    for (let i = 0; i < p.applies; i++) {
      samples.applyMs.push(await timed(() => post('/manifests', seed('manifests/notification.yaml').replace('notification-svc', `bench-notify-${i}`))));
      samples.registryReadMs.push(await timed(() => api.call('GET', '/registry/bench-notify-0')));
    }

    // Propagation: chapter 7's policy with a new timeout each time, timed until the data plane enforces it.
    await post('/manifests', seed('return-intake.yaml'));
    const fraud = (await post('/manifests', seed('fraud-scanner.yaml'))) as { namespace: string };
    const vs = () => enforced(plane, 'VirtualService', fraud.namespace, 'fraud-scanner');
    await until('the fraud-scanner VirtualService enforced', vs);
    for (let i = 0; i < p.propagations; i++) {
      const before = vs()!.resourceVersion;
      const sent = Date.now();
      await post('/policies', seed('policies/irs-fraud.yml').replace('timeoutMs: 800', `timeoutMs: ${801 + i}`));
      const after = await until('the new VirtualService enforced', () => {
        const now = vs();
        return now && now.resourceVersion !== before ? now : undefined;
      });
      samples.propagationMs.push(Date.parse(after.enforcedAt) - sent);
    }

    // Added latency: one pod of fraud-scanner, straight and through the data plane as return-intake.
    const [pod] = await until('a Ready fraud-scanner pod', () => (podsOf(plane, 'fraud-scanner').length > 0 ? podsOf(plane, 'fraud-scanner') : undefined));
    const direct = `http://127.0.0.1:${pod!.port}/flag`;
    for (let i = 0; i < p.requests; i++) {
      samples.directMs.push((await httpCall(direct)).ms);
      const proxied = await httpCall('http://fraud-scanner.mesh/flag', { via: plane.proxyUrl, source: 'return-intake' });
      if (proxied.status !== 200) throw new Error(`a call through the data plane answered ${proxied.status}`);
      samples.proxiedMs.push(proxied.ms);
    }

    // Pause to first 503, then resume and wait for a 200 before the next round.
    for (let i = 0; i < p.pauses; i++) {
      const sent = performance.now();
      await api.call('POST', '/policies/pause', { service: 'fraud-scanner', durationMin: 30 });
      await until('503 Service Paused', async () => {
        const answer = await httpCall('http://fraud-scanner.mesh/flag', { via: plane.proxyUrl, source: 'return-intake' });
        return answer.status === 503 && answer.body.includes('Service Paused') ? true : undefined;
      });
      samples.pauseTo503Ms.push(performance.now() - sent);
      await api.call('DELETE', '/policies/pause/fraud-scanner');
      await until('200 after the resume', async () =>
        (await httpCall('http://fraud-scanner.mesh/flag', { via: plane.proxyUrl, source: 'return-intake' })).status === 200 ? true : undefined,
      );
    }
    return samples;
  } finally {
    await sandbox.close();
  }
}

export function meshFigures(s: MeshSamples): Figure[] {
  const p = (xs: number[], q: number) => round(percentile(xs, q), 2);
  const apply = {
    applies: s.applyMs.length,
    registryReadP50Ms: p(s.registryReadMs, 50),
    ratioToRegistryReadP50: round(percentile(s.applyMs, 50) / percentile(s.registryReadMs, 50)),
  };
  const latency = {
    requests: s.proxiedMs.length,
    directP50Ms: p(s.directMs, 50),
    proxiedP50Ms: p(s.proxiedMs, 50),
    directP99Ms: p(s.directMs, 99),
    proxiedP99Ms: p(s.proxiedMs, 99),
    ratioP50: round(percentile(s.proxiedMs, 50) / percentile(s.directMs, 50)),
    note: 'the local data plane is a Node stand-in for Envoy without TLS; chapter 7 quotes about 2 ms for mTLS and a sidecar',
  };
  const propagation = {
    applies: s.propagationMs.length,
    p50Ms: p(s.propagationMs, 50),
    note: 'POST /policies sent → the data plane enforcing the new VirtualService',
  };
  return [
    { name: 'mesh apply latency p50 (manifest → objects accepted by the simulator)', value: p(s.applyMs, 50), unit: 'ms', details: apply },
    { name: 'mesh apply latency p99', value: p(s.applyMs, 99), unit: 'ms', details: apply },
    { name: 'mesh policy propagation p50 (sandbox)', value: p(s.propagationMs, 50), unit: 'ms', target: { max: 1_000, unit: 'ms' }, details: propagation },
    { name: 'mesh policy propagation p99 (sandbox)', value: p(s.propagationMs, 99), unit: 'ms', target: { max: 1_000, unit: 'ms' }, details: propagation },
    { name: 'mesh data plane added latency p50', value: round(percentile(s.proxiedMs, 50) - percentile(s.directMs, 50), 3), unit: 'ms', details: latency },
    { name: 'mesh data plane added latency p99', value: round(percentile(s.proxiedMs, 99) - percentile(s.directMs, 99), 3), unit: 'ms', details: latency },
    {
      name: 'mesh pause to first 503 p50',
      value: p(s.pauseTo503Ms, 50),
      unit: 'ms',
      target: { max: 5_000, unit: 'ms' },
      details: { pauses: s.pauseTo503Ms.length },
    },
  ];
}
