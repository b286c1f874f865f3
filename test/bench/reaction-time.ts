/**
 * Reaction time: from the moment load crosses a rule's threshold to the first scale PATCH, in
 * simulated seconds. hms-sys runs its real code on a virtual clock: the local alarm evaluator
 * (CloudWatch's evaluation cadence, evaluation range and missing-data rules, evaluateOnData off)
 * and the scaler handler, on in-memory ports whose cluster records the PATCH. The baselines are
 * the HPA default (metrics-server scrape, then the HPA's sync) and KEDA (its polling, then the
 * HPA's sync). Every breach moment over a minute is tried against every phase of each loop; the
 * figure is the median, with the 90th percentile beside it.
 */
import type { AlarmStateChangeEvent } from '#adapters/local/local-alarm-evaluator.ts';
import type { Figure } from './report.ts';

/** What each system assumes, and where the number comes from. */
export const CADENCES = {
  cloudWatchHighResolution: {
    seconds: 10,
    source:
      'CloudWatch User Guide, "High-resolution alarms" / "Alarm evaluation": an alarm with a 10, 20 or 30 s period is evaluated every 10 s (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html)',
  },
  cloudWatchStandard: {
    seconds: 60,
    source:
      'CloudWatch User Guide, "Alarm evaluation": an alarm with a period of a minute or longer is evaluated every minute (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-evaluation.html)',
  },
  hpaSync: {
    seconds: 15,
    source:
      'Kubernetes, "Horizontal Pod Autoscaling": --horizontal-pod-autoscaler-sync-period defaults to 15 s (https://kubernetes.io/docs/concepts/workloads/autoscaling/horizontal-pod-autoscale/)',
  },
  metricsServerScrape: {
    seconds: 15,
    source: "metrics-server's released manifest (components.yaml) sets --metric-resolution=15s (https://github.com/kubernetes-sigs/metrics-server)",
  },
  kedaPolling: {
    seconds: 30,
    source: 'KEDA ScaledObject spec: pollingInterval defaults to 30 s (https://keda.sh/docs/latest/reference/scaledobject-spec/)',
  },
} as const;

/** hms-sys's path outside the evaluator, stated as assumptions (none is published as a number). */
export const HMS_PATH = {
  /** The application publishes its request rate with StorageResolution 1 this often (a gauge). */
  publishEverySeconds: 10,
  /** PutMetricData to visible in alarm evaluation; AWS publishes no figure, re:Post answers say "a few seconds". */
  ingestionSeconds: 2,
  /** CloudWatch to EventBridge to an asynchronous Lambda invocation; AWS publishes no figure. */
  eventBridgeToLambdaSeconds: 1,
  /** The scaler's DynamoDB reads and the EKS GET before its PATCH, warm (the decision bench measures the local equivalent). */
  scalerCallsSeconds: 0.3,
  statistic: 'Average',
  before: 0.5,
  after: 2,
} as const;

const THRESHOLD = 100;
const BREACH_OFFSETS = 60;
const HORIZON_SECONDS = 400;

export interface ReactionSamples {
  hms10: number[];
  hms60: number[];
  hpa: number[];
  keda: number[];
  /** Wall time of the real scaler handler per run, ms, for context. */
  handlerMs: number[];
}

/** One hms-sys run: load jumps at `breachAt`; the app publishes at `publishPhase` mod its interval. */
async function hmsRun(periodSeconds: 10 | 60, breachAt: number, publishPhase: number, handlerMs: number[]): Promise<number> {
  const { memoryPorts } = await import('../unit/use-cases/memory-ports.ts');
  const { LocalAlarmEvaluator } = await import('#adapters/local/local-alarm-evaluator.ts');
  const { createService } = await import('#use-cases/services.ts');
  const { createRule } = await import('#use-cases/rules.ts');
  const { createScalerHandler } = await import('#functions/scaler/scaler.ts');
  const { lambdaContext } = await import('#sandbox/local-bus.ts');

  const epoch = Date.UTC(2026, 10, 23, 12, 0, 0);
  const env = memoryPorts(new Date(epoch));
  let t = 0;
  env.clock.current = new Date(epoch);
  const raised: Array<{ at: number; event: AlarmStateChangeEvent }> = [];
  const evaluator = new LocalAlarmEvaluator({
    clock: { now: () => new Date(epoch + t * 1000) },
    evaluateOnData: false,
    emit: (event) => {
      if (event.detail.state.value === 'ALARM' && event.detail.alarmName.endsWith('-scale-out')) raised.push({ at: t, event });
    },
  });
  const ports = { ...env.ports, metrics: evaluator };
  const caller = { actor: 'role/hms-sys-api', requestId: 'bench' };
  await createService(
    ports,
    caller,
    {
      name: 'portal',
      cluster: 'sandbox',
      namespace: 'bench',
      deployment: 'portal',
      tags: { agency: 'GSA', program: 'bench', fiscalYear: 'FY2027' },
      metrics: { periodSeconds, highResolution: true, statistic: HMS_PATH.statistic },
    },
    { dryRun: false },
  );
  await createRule(
    ports,
    caller,
    { service: 'portal', minReplicas: 2, maxReplicas: 100, trigger: { metric: 'http_rps', threshold: THRESHOLD } },
    { dryRun: false },
  );
  const handler = createScalerHandler(async () => ({ ports, controllerActor: 'role/hms-sys-scaler' }));

  const pending: Array<{ visibleAt: number; at: number; value: number }> = [];
  for (t = 0; t <= HORIZON_SECONDS; t += 1) {
    env.clock.current = new Date(epoch + t * 1000);
    if (t % HMS_PATH.publishEverySeconds === publishPhase) {
      pending.push({ visibleAt: t + HMS_PATH.ingestionSeconds, at: t, value: THRESHOLD * (t >= breachAt ? HMS_PATH.after : HMS_PATH.before) });
    }
    for (const datum of pending.filter((p) => p.visibleAt === t)) {
      await evaluator.putMetricData({
        namespace: 'HMS/Services',
        metricName: 'http_rps',
        dimensions: { Service: 'portal' },
        value: datum.value,
        timestamp: new Date(epoch + datum.at * 1000),
        storageResolution: 1,
      });
    }
    await evaluator.reevaluate();
    const alarm = raised.find((r) => r.at >= breachAt);
    if (alarm) {
      const invokedAt = alarm.at + HMS_PATH.eventBridgeToLambdaSeconds;
      env.clock.current = new Date(epoch + invokedAt * 1000);
      const started = performance.now();
      await handler(alarm.event as never, lambdaContext('scaler'));
      handlerMs.push(performance.now() - started);
      if (env.ports.cluster.patches.length === 0) throw new Error('the scaler handled the alarm but sent no scale PATCH');
      return invokedAt + HMS_PATH.scalerCallsSeconds + handlerMs.at(-1)! / 1000 - breachAt;
    }
  }
  throw new Error(`no scale-out alarm within ${HORIZON_SECONDS} s of a breach at ${breachAt} s`);
}

/** The first time at or after `from` that is `phase` modulo `every`. */
const nextTick = (from: number, every: number, phase: number) => from + ((((phase - from) % every) + every) % every);

/** A metric source sampled every `sampleEvery` s, then the HPA's 15 s sync acts on the latest sample. */
function loopRun(breachAt: number, sampleEvery: number, samplePhase: number, syncPhase: number): number {
  const sampled = nextTick(breachAt, sampleEvery, samplePhase);
  return nextTick(sampled, CADENCES.hpaSync.seconds, syncPhase) - breachAt;
}

export async function measureReactionTimes(): Promise<ReactionSamples> {
  process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  const samples: ReactionSamples = { hms10: [], hms60: [], hpa: [], keda: [], handlerMs: [] };
  for (let breach = 0; breach < BREACH_OFFSETS; breach += 1) {
    const breachAt = 120 + breach;
    for (let phase = 0; phase < HMS_PATH.publishEverySeconds; phase += 1) {
      samples.hms10.push(await hmsRun(10, breachAt, phase, samples.handlerMs));
      samples.hms60.push(await hmsRun(60, breachAt, phase, samples.handlerMs));
    }
    for (let scrape = 0; scrape < CADENCES.metricsServerScrape.seconds; scrape += 1) {
      for (let sync = 0; sync < CADENCES.hpaSync.seconds; sync += 1) samples.hpa.push(loopRun(breachAt, CADENCES.metricsServerScrape.seconds, scrape, sync));
    }
    for (let poll = 0; poll < CADENCES.kedaPolling.seconds; poll += 1) {
      for (let sync = 0; sync < CADENCES.hpaSync.seconds; sync += 1) samples.keda.push(loopRun(breachAt, CADENCES.kedaPolling.seconds, poll, sync));
    }
  }
  return samples;
}

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
};
const round1 = (n: number) => Math.round(n * 10) / 10;

/** The cadence each figure assumes, with its source, for the bench's output. */
export const reactionSources = (): string[] => Object.entries(CADENCES).map(([name, c]) => `${name}: every ${c.seconds} s. ${c.source}`);

export function reactionTimeFigures(s: ReactionSamples): Figure[] {
  const median = (v: number[]) => round1(quantile(v, 0.5));
  const hpaMedian = median(s.hpa);
  const row = (name: string, values: number[], cadence: string): Figure => ({
    name: `reaction: ${name} (${cadence})`,
    value: median(values),
    unit: 's median (simulated)',
    details: { p90: round1(quantile(values, 0.9)), max: round1(Math.max(...values)), runs: values.length },
  });
  return [
    {
      ...row('hms-sys, 10 s alarm', s.hms10, 'evaluated every 10 s'),
      details: { ...row('', s.hms10, '').details, path: HMS_PATH, scalerHandlerMsMedian: round1(quantile(s.handlerMs, 0.5)), sources: CADENCES },
    },
    row('hms-sys, 60 s alarm', s.hms60, 'evaluated every 60 s'),
    row('HPA default', s.hpa, '15 s metrics-server scrape, then 15 s HPA sync'),
    row('KEDA', s.keda, '30 s polling, then 15 s HPA sync'),
    {
      name: '  HPA default ÷ hms-sys 10 s alarm (goal: at least as fast)',
      value: round1(hpaMedian / median(s.hms10)),
      unit: '×',
      target: { min: 1, unit: '×' },
    },
  ];
}
