import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { sendKubeRequest } from '#adapters/aws/kubernetes-request.ts';
import type { Sandbox } from '#sandbox/sandbox.ts';
import { alarmEvent } from '../integration/alarm-events.ts';
import type { Figure } from './report.ts';
import { percentile, round } from './stats.ts';

export const DECISION_P50_LIMIT_MS = 10;
export const DECISION_P99_LIMIT_MS = 25;

/** A seeded Deployment (shared/sandbox/seed.ts) and a rule that doubles it from 4 to 8 on each alarm. */
const TARGET = { namespace: 'benefits', deployment: 'eligibility-api', from: 4, to: 8 };
const THRESHOLD = 500;
const ALARM_VALUE = (THRESHOLD * TARGET.to) / TARGET.from;
/** The Deployment and the alarm value that scales it, for other benches that reuse arrange(). */
export const DECISION_TARGET = { ...TARGET, alarmValue: ALARM_VALUE };

export interface LatencySamples {
  scaler: number[];
  /** The scaler's share before its first cluster call: parsing, the event claim and DynamoDB reads. */
  scalerToFirstCall: number[];
  bareRoundTrip: number[];
}

async function call(url: string, token: string, method: string, body?: unknown, contentType = 'application/json') {
  const res = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': contentType }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url} answered ${res.status}: ${text}`);
  return text ? (JSON.parse(text) as Record<string, any>) : {};
}

/** Registers the service and its rule over HTTP as a user would; returns the scale-out alarm's name. */
export async function arrange(sandbox: Sandbox): Promise<string> {
  const admin = sandbox.tokens.admin;
  if (!admin) throw new Error('the sandbox issued no admin token');
  await call(`${sandbox.url}/services`, admin, 'POST', {
    name: TARGET.deployment,
    cluster: 'sandbox',
    namespace: TARGET.namespace,
    deployment: TARGET.deployment,
    tags: { agency: 'ED', program: 'FSA', fiscalYear: 'FY2026' },
  });
  const rule = await call(`${sandbox.url}/autoscale-rules`, admin, 'POST', {
    service: TARGET.deployment,
    minReplicas: TARGET.from,
    maxReplicas: 10_000,
    trigger: { metric: 'http_rps', threshold: THRESHOLD },
  });
  const alarm = (rule.alarms as string[] | undefined)?.find((name) => name.endsWith('-scale-out'));
  if (!alarm) throw new Error(`the rule has no scale-out alarm: ${JSON.stringify(rule)}`);
  return alarm;
}

/**
 * Times, interleaved, the scaler (bus.publish → its scale PATCH answered by the simulator) and a
 * bare GET + PATCH of the scale subresource from here. Both end at the simulator's `at` for the
 * PATCH; the Deployment is put back to 4 replicas outside the timed part, so every alarm scales.
 */
async function measure(sandbox: Sandbox, alarmName: string, warmup: number, events: number): Promise<LatencySamples> {
  // Over HTTPS with the sandbox CA, as the scaler's own client.
  const endpoint = { url: sandbox.k8s.url, caData: sandbox.k8s.caData };
  const path = `/apis/apps/v1/namespaces/${TARGET.namespace}/deployments/${TARGET.deployment}/scale`;
  const k8s = async (method: 'GET' | 'PATCH', body?: unknown) => {
    const res = await sendKubeRequest(endpoint, sandbox.k8s.token, { method, path, body, contentType: 'application/merge-patch+json' }, 10_000);
    if (res.status >= 300) throw new Error(`${method} ${path} answered ${res.status}`);
    return res.body as Record<string, any>;
  };
  const scalePath = `/deployments/${TARGET.deployment}/scale`;
  let patchedAt: number | undefined;
  let firstCallAt: number | undefined;
  let armed = false;
  const stopListening = sandbox.k8s.onRequest((e) => {
    if (armed) firstCallAt ??= e.at;
    if (armed && e.method === 'PATCH' && e.path.includes(scalePath) && e.status >= 200 && e.status < 300) {
      patchedAt = e.at;
      armed = false;
    }
  });
  const timed = async (work: () => Promise<void>) => {
    await k8s('PATCH', { spec: { replicas: TARGET.from } });
    patchedAt = undefined;
    firstCallAt = undefined;
    armed = true;
    const start = performance.now();
    await work();
    armed = false;
    if (patchedAt === undefined || firstCallAt === undefined) throw new Error('no scale PATCH reached the simulator');
    return { total: patchedAt - start, toFirstCall: firstCallAt - start };
  };
  const scalerOnce = async () => {
    // The burst runner receives the same alarm (for rules that name a burst) and ignores this one.
    const invocations = await sandbox.bus.publish(alarmEvent(alarmName, ALARM_VALUE));
    const invocation = invocations.find((i) => i.functionName === 'scaler');
    const outcome = (invocation?.result as { outcome?: string } | undefined)?.outcome;
    if (invocations.some((i) => i.error) || outcome !== 'scaled') {
      throw new Error(`the alarm did not scale: ${JSON.stringify(invocation?.error ?? invocation?.result ?? 'no delivery')}`);
    }
    const replicas = sandbox.k8s.state.deployment(TARGET.namespace, TARGET.deployment)?.replicas;
    if (replicas !== TARGET.to) throw new Error(`expected ${TARGET.to} replicas after the alarm, found ${replicas}`);
  };
  // The same two calls the scaler makes: a read, then an absolute scale PATCH with no resourceVersion precondition.
  const bareOnce = async () => {
    await k8s('GET');
    await k8s('PATCH', { spec: { replicas: TARGET.to } });
  };

  const samples: LatencySamples = { scaler: [], scalerToFirstCall: [], bareRoundTrip: [] };
  try {
    for (let i = 0; i < warmup + events; i += 1) {
      const bare = await timed(bareOnce);
      const scaler = await timed(scalerOnce);
      if (i < warmup) continue;
      samples.bareRoundTrip.push(bare.total);
      samples.scaler.push(scaler.total);
      samples.scalerToFirstCall.push(scaler.toFirstCall);
    }
  } finally {
    stopListening();
  }
  return samples;
}

/**
 * Runs the sandbox in this process, quietly, and measures the alarm-to-PATCH latency. The
 * target figures keep dynalite in memory, as DynamoDB's own storage costs the caller nothing;
 * `persistState` measures the sandbox's default, LevelDB on disk, for comparison.
 */
export async function measureDecisionLatency(warmup: number, events: number, persistState = false): Promise<LatencySamples> {
  process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const { startSandbox } = await import('#sandbox/sandbox.ts');
  const dataDir = mkdtempSync(join(tmpdir(), 'hms-sys-bench-'));
  const sandbox = await startSandbox({ dataDir, persistState, podReadyDelayMs: 20, reconcileSeconds: 3_600, alarmEvaluationSeconds: 3_600 });
  try {
    return await measure(sandbox, await arrange(sandbox), warmup, events);
  } finally {
    await sandbox.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export function decisionLatencyFigures(samples: LatencySamples): Figure[] {
  const summary = (ms: number[]) => ({
    events: ms.length,
    p90: round(percentile(ms, 90)),
    max: round(Math.max(...ms)),
    // A drift between the first and last hundred would point at state that grows per event.
    p50FirstHundred: round(percentile(ms.slice(0, 100), 50)),
    p50LastHundred: round(percentile(ms.slice(-100), 50)),
  });
  const [scalerP50, scalerP99] = [percentile(samples.scaler, 50), percentile(samples.scaler, 99)];
  const [bareP50, bareP99] = [percentile(samples.bareRoundTrip, 50), percentile(samples.bareRoundTrip, 99)];
  return [
    {
      name: 'decision latency p50 (alarm → scale PATCH)',
      value: round(scalerP50),
      unit: 'ms',
      target: { max: DECISION_P50_LIMIT_MS, unit: 'ms' },
      details: summary(samples.scaler),
    },
    {
      name: 'decision latency p99 (alarm → scale PATCH)',
      value: round(scalerP99),
      unit: 'ms',
      target: { max: DECISION_P99_LIMIT_MS, unit: 'ms' },
      details: summary(samples.scaler),
    },
    {
      name: 'decision: alarm → first cluster call p50',
      value: round(percentile(samples.scalerToFirstCall, 50)),
      unit: 'ms',
      details: summary(samples.scalerToFirstCall),
    },
    {
      name: 'baseline: bare GET+PATCH p50',
      value: round(bareP50),
      unit: 'ms',
      details: { ...summary(samples.bareRoundTrip), scalerOverP50: round(scalerP50 / bareP50, 1) },
    },
    {
      name: 'baseline: bare GET+PATCH p99',
      value: round(bareP99),
      unit: 'ms',
      details: { ...summary(samples.bareRoundTrip), scalerOverP99: round(scalerP99 / bareP99, 1) },
    },
  ];
}

/** The same path with dynalite on disk, as `npm start` runs it; for comparison, no target. */
export function persistedLatencyFigures(samples: LatencySamples): Figure[] {
  return [
    { name: 'decision p50, dynalite on disk', value: round(percentile(samples.scaler, 50)), unit: 'ms' },
    { name: 'decision p99, dynalite on disk', value: round(percentile(samples.scaler, 99)), unit: 'ms' },
  ];
}
