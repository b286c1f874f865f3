/**
 * The fan-out (issue 13): many services' metrics pushed at once, each crossing its rule's
 * threshold, through the sandbox with the functions' concurrency limits on. Times every
 * POST /sandbox/metrics answer and the push to the last Deployment scaled; counts failures.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Sandbox } from '#sandbox/sandbox.ts';
import type { Figure } from './report.ts';
import { median, percentile, round } from './stats.ts';

const NAMESPACE = 'fanout';
const THRESHOLD = 100;
/** From 2 replicas, ceil(2 × 200 / 100) = 4. */
const [FROM, TO, ALARM_VALUE] = [2, 4, 200];
const QUIET_VALUE = 10;

export interface FanOutRun {
  services: number;
  /** Each push's answer time (ms): quiet pushes that alarm nothing, then the alarming ones. */
  quietIngestMs: number[];
  ingestMs: number[];
  /** First push sent → the last Deployment at its new replicas. */
  toLastScaleMs: number;
  /** Baseline: one service's push → its Deployment scaled, alone, in the same sandbox. */
  soloScaleMs: number;
  deadLetters: number;
  failedInvocations: number;
  unscaled: number;
}

async function call(sandbox: Sandbox, method: string, path: string, body?: unknown): Promise<number> {
  const res = await fetch(`${sandbox.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${sandbox.tokens.admin}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
  return res.status;
}

/** Pushes one datapoint for each service at once; resolves with each answer's time. */
async function pushAll(sandbox: Sandbox, names: string[], value: number, timestamp?: string): Promise<number[]> {
  return Promise.all(
    names.map(async (service) => {
      const started = performance.now();
      await call(sandbox, 'POST', '/sandbox/metrics', { service, metric: 'http_rps', value, ...(timestamp ? { timestamp } : {}) });
      return performance.now() - started;
    }),
  );
}

async function fanOutOnce(services: number): Promise<FanOutRun> {
  const { startSandbox } = await import('#sandbox/sandbox.ts');
  const dataDir = mkdtempSync(join(tmpdir(), 'hms-sys-fanout-'));
  const sandbox = await startSandbox({
    dataDir,
    podReadyDelayMs: 20,
    reconcileSeconds: 3_600,
    alarmEvaluationSeconds: 3_600,
    meterSeconds: 3_600,
    burstTickSeconds: 3_600,
  });
  try {
    const names = Array.from({ length: services }, (_, i) => `fan-${i}`);
    const solo = 'fan-solo';
    for (const name of [...names, solo])
      sandbox.k8s.seedDeployment({ namespace: NAMESPACE, name, replicas: FROM, podRequests: { cpu: '250m', memory: '512Mi' } });
    const everyName = [...names, solo];
    // Five at a time: the api function's reserved copies; a sixth request at once would be throttled.
    for (let i = 0; i < everyName.length; i += 5) {
      await Promise.all(
        everyName.slice(i, i + 5).map(async (name) => {
          await call(sandbox, 'POST', '/services', {
            name,
            cluster: 'sandbox',
            namespace: NAMESPACE,
            deployment: name,
            tags: { agency: 'GSA', program: 'Bench', fiscalYear: 'FY2027' },
          });
          await call(sandbox, 'POST', '/autoscale-rules', {
            service: name,
            minReplicas: FROM,
            maxReplicas: 20,
            trigger: { metric: 'http_rps', threshold: THRESHOLD },
          });
        }),
      );
    }
    // Two minutes back, so the alarm's latest one-minute period holds only the alarming datapoint.
    const quietAt = new Date(Date.now() - 120_000).toISOString();
    const quietIngestMs = await pushAll(sandbox, names, QUIET_VALUE, quietAt);
    await pushAll(sandbox, [solo], QUIET_VALUE, quietAt);
    await settle(sandbox);
    const soloScaleMs = await timeToScale(sandbox, [solo]);
    await settle(sandbox);
    const parkedBefore = sandbox.deadLetter.items().length;

    const ingestMs: number[] = [];
    const toLastScaleMs = await timeToScale(sandbox, names, ingestMs);
    const unscaled = names.filter((name) => sandbox.k8s.state.deployment(NAMESPACE, name)?.replicas !== TO).length;
    return {
      services,
      quietIngestMs,
      ingestMs,
      toLastScaleMs,
      soloScaleMs,
      deadLetters: sandbox.deadLetter.items().length - parkedBefore,
      failedInvocations: sandbox.bus.invocations.filter((i) => i.error).length,
      unscaled,
    };
  } finally {
    await sandbox.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Pushes an alarming datapoint for each service at once; ms from the first push to the last Deployment scaled (or to settling, if one never is). */
async function timeToScale(sandbox: Sandbox, names: string[], ingestMs: number[] = []): Promise<number> {
  const started = performance.now();
  let lastScaleAt: number | undefined;
  const allScaled = () => names.every((name) => sandbox.k8s.state.deployment(NAMESPACE, name)?.replicas === TO);
  const watch = setInterval(() => {
    if (lastScaleAt === undefined && allScaled()) lastScaleAt = performance.now();
  }, 2);
  ingestMs.push(...(await pushAll(sandbox, names, ALARM_VALUE)));
  await settle(sandbox);
  clearInterval(watch);
  if (lastScaleAt === undefined && allScaled()) lastScaleAt = performance.now();
  return (lastScaleAt ?? performance.now()) - started;
}

/** Every evaluation the pushes started, and every delivery those evaluations caused, finished. */
async function settle(sandbox: Sandbox): Promise<void> {
  await sandbox.alarms.settled();
  await sandbox.bus.drain();
}

export async function measureFanOut(services: number, runs: number): Promise<FanOutRun[]> {
  process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const results: FanOutRun[] = [];
  for (let run = 0; run < runs; run++) results.push(await fanOutOnce(services));
  return results;
}

export function fanOutFigures(runs: FanOutRun[]): Figure[] {
  const services = runs[0]!.services;
  const toLastScale = median(runs.map((r) => r.toLastScaleMs));
  const solo = median(runs.map((r) => r.soloScaleMs));
  const ingestP99 = median(runs.map((r) => percentile(r.ingestMs, 99)));
  const ingestP50 = median(runs.map((r) => percentile(r.ingestMs, 50)));
  const quietP99 = median(runs.map((r) => percentile(r.quietIngestMs, 99)));
  const failures = Math.max(...runs.map((r) => r.deadLetters + r.failedInvocations + r.unscaled));
  return [
    {
      name: `fan-out: ${services} rules alarm at once, push → last scale (median of ${runs.length})`,
      value: round(toLastScale / 1000, 2),
      unit: 's',
      details: { runsMs: runs.map((r) => round(r.toLastScaleMs)), overSoloBaseline: round(toLastScale / solo, 1) },
    },
    { name: '  baseline: one rule alarming alone, push → scale', value: round(solo), unit: 'ms', details: { runsMs: runs.map((r) => round(r.soloScaleMs)) } },
    {
      name: '  failures: dead letters, failed invocations, Deployments not scaled',
      value: failures,
      unit: 'failures',
      target: { max: 0, unit: 'failures' },
      details: { runs: runs.map((r) => ({ deadLetters: r.deadLetters, failedInvocations: r.failedInvocations, unscaled: r.unscaled })) },
    },
    { name: '  metric ingest p50, alarming pushes at once', value: round(ingestP50), unit: 'ms' },
    {
      name: '  metric ingest p99, alarming pushes at once',
      value: round(ingestP99),
      unit: 'ms',
      details: {
        baselineQuietP99Ms: round(quietP99),
        overQuietBaseline: round(ingestP99 / quietP99, 1),
        maxMs: round(Math.max(...runs.flatMap((r) => r.ingestMs))),
      },
    },
    { name: `  baseline: metric ingest p99, ${services} pushes that alarm nothing`, value: round(quietP99), unit: 'ms' },
  ];
}
