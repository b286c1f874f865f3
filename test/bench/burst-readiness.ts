/**
 * Time to ready for a 10 → 1,000 pod surge, in simulated seconds, on the Kubernetes simulator's
 * capacity model driven by a virtual clock. hms-sys's burst writes its target in one step (and,
 * for a scheduled burst, warms nodes with placeholder pods first); the baselines scale the way the
 * HPA's default scale-up policy does, with the metric far above its target.
 */

import { SimState } from '#adapters/local/k8s-sim/state.ts';
import { planBurst } from '#domain/burst-plan.ts';
import { PLACEHOLDER_PRIORITY_CLASS } from '#ports/cluster.ts';
import type { Figure } from './report.ts';

export const SIMULATOR = {
  podReadySeconds: 20,
  podsPerNode: 30,
  nodeProvisioningSeconds: 90,
  /** Karpenter collects pending pods for about a second of quiet before it launches their nodes. */
  batchWindowSeconds: 1,
  maxNodes: 100,
  fromPods: 10,
  toPods: 1_000,
  /** Scenario (b): the burst's startAt lies this far ahead. */
  scheduledLeadSeconds: 300,
} as const;

export const HPA_DEFAULT = { syncSeconds: 15, podsPerPeriod: 4, percentPerPeriod: 100 } as const;
export const KEDA_POLLING_SECONDS = 30;

const NS = 'bench';
const APP = 'portal';
const STEP_MS = 250;
const GIVE_UP_SECONDS = 3_600;

interface Run {
  sim: SimState;
  clock: { ms: number };
}

function cluster(): Run {
  const clock = { ms: 0 };
  const sim = new SimState({
    podReadyDelayMs: SIMULATOR.podReadySeconds * 1000,
    now: () => clock.ms,
    capacity: {
      podsPerNode: SIMULATOR.podsPerNode,
      initialNodes: Math.ceil(SIMULATOR.fromPods / SIMULATOR.podsPerNode),
      maxNodes: SIMULATOR.maxNodes,
      nodeProvisioningDelayMs: SIMULATOR.nodeProvisioningSeconds * 1000,
      batchWindowMs: SIMULATOR.batchWindowSeconds * 1000,
    },
  });
  sim.addDeployment({ namespace: NS, name: APP, replicas: SIMULATOR.fromPods, podRequests: { cpu: '1', memory: '2Gi' } }, { podsReady: true });
  return { sim, clock };
}

/** Steps virtual time from `fromMs` until every requested pod is Ready; `act` runs before each step. */
function secondsToReady(run: Run, fromMs: number, act: (nowMs: number) => void): number {
  const deployment = () => run.sim.deployment(NS, APP)!;
  for (; run.clock.ms <= fromMs + GIVE_UP_SECONDS * 1000; run.clock.ms += STEP_MS) {
    act(run.clock.ms);
    run.sim.advance();
    if (run.clock.ms >= fromMs && run.sim.readyCount(deployment()) >= SIMULATOR.toPods && deployment().replicas >= SIMULATOR.toPods) {
      return (run.clock.ms - fromMs) / 1000;
    }
  }
  throw new Error(`pods never became Ready within ${GIVE_UP_SECONDS} s`);
}

/** HPA's default scale-up: every sync, at most max(4 pods, 100%) more, towards a target far above. */
function hpaBaseline(firstActionSeconds: number, loadAtMs: number): number {
  const run = cluster();
  run.clock.ms = loadAtMs;
  let nextSync = loadAtMs + firstActionSeconds * 1000;
  return secondsToReady(run, loadAtMs, (now) => {
    if (now < nextSync) return;
    nextSync += HPA_DEFAULT.syncSeconds * 1000;
    const deployment = run.sim.deployment(NS, APP)!;
    const current = deployment.replicas;
    const allowed = Math.max(current + HPA_DEFAULT.podsPerPeriod, Math.ceil(current * (1 + HPA_DEFAULT.percentPerPeriod / 100)));
    run.sim.setReplicas(deployment, Math.min(SIMULATOR.toPods, allowed));
  });
}

/** hms-sys: the burst's plan, then its one write; a scheduled burst first places placeholder pods at warmUpAt. */
function hmsBurst(scheduled: boolean): { seconds: number; warmUpLeadSeconds: number | null } {
  const run = cluster();
  const startMs = scheduled ? SIMULATOR.scheduledLeadSeconds * 1000 : 0;
  const epoch = Date.UTC(2026, 10, 23, 9);
  const plan = planBurst({
    fromPods: SIMULATOR.fromPods,
    toPods: SIMULATOR.toPods,
    maxCostPerHourUSD: 1e6,
    holdMinutes: 20,
    startAt: new Date(epoch + startMs),
    now: new Date(epoch),
    podHourUSD: 0.05,
    budget: null,
    previousReplicas: SIMULATOR.fromPods,
    capacity: {
      nodes: 1,
      podsPerNode: SIMULATOR.podsPerNode,
      podsScheduled: SIMULATOR.fromPods,
      maxNodes: SIMULATOR.maxNodes,
      nodeProvisioningSeconds: SIMULATOR.nodeProvisioningSeconds,
      podReadySeconds: SIMULATOR.podReadySeconds,
    },
  });
  const warmUpMs = plan.warmUpAt ? Date.parse(plan.warmUpAt) - epoch : null;
  let warmed = false;
  let started = false;
  const seconds = secondsToReady(run, startMs, (now) => {
    if (warmUpMs !== null && !warmed && now >= warmUpMs) {
      warmed = true;
      run.sim.addDeployment(
        {
          namespace: NS,
          name: `${APP}-hms-warm`,
          replicas: plan.requestedPods - SIMULATOR.fromPods,
          podRequests: { cpu: '1', memory: '2Gi' },
          priorityClassName: PLACEHOLDER_PRIORITY_CLASS,
        },
        { podsReady: false },
      );
    }
    if (!started && now >= startMs) {
      started = true;
      run.sim.setReplicas(run.sim.deployment(NS, APP)!, plan.requestedPods);
      const placeholders = run.sim.deployment(NS, `${APP}-hms-warm`);
      if (placeholders) run.sim.deleteDeployment(placeholders);
    }
  });
  return { seconds, warmUpLeadSeconds: warmUpMs === null ? null : (startMs - warmUpMs) / 1000 };
}

export interface ReadinessResult {
  scenario: 'a' | 'b';
  hmsSeconds: number;
  hpaSeconds: number;
  kedaSeconds: number;
  warmUpLeadSeconds: number | null;
}

export function measureBurstReadiness(): ReadinessResult[] {
  return (['a', 'b'] as const).map((scenario) => {
    const scheduled = scenario === 'b';
    const loadAt = scheduled ? SIMULATOR.scheduledLeadSeconds * 1000 : 0;
    const hms = hmsBurst(scheduled);
    return {
      scenario,
      hmsSeconds: hms.seconds,
      warmUpLeadSeconds: hms.warmUpLeadSeconds,
      hpaSeconds: hpaBaseline(0, loadAt),
      kedaSeconds: hpaBaseline(KEDA_POLLING_SECONDS, loadAt),
    };
  });
}

const TARGET_RATIO = { a: 1.5, b: 5 } as const;
const LABEL = { a: '(a) immediate burst, cold capacity', b: '(b) burst scheduled 5 min ahead, warm capacity' } as const;

export function burstReadinessFigures(results: ReadinessResult[]): Figure[] {
  return results.flatMap((r) => {
    const details = {
      hmsSeconds: r.hmsSeconds,
      hpaDefaultSeconds: r.hpaSeconds,
      kedaSeconds: r.kedaSeconds,
      ratioVsHpa: round2(r.hpaSeconds / r.hmsSeconds),
      ratioVsKeda: round2(r.kedaSeconds / r.hmsSeconds),
      warmUpLeadSeconds: r.warmUpLeadSeconds,
      simulator: SIMULATOR,
      hpaDefaultPolicy: HPA_DEFAULT,
      kedaPollingSeconds: KEDA_POLLING_SECONDS,
    };
    return [
      { name: `time to ready 10 → 1,000 pods ${LABEL[r.scenario]}`, value: r.hmsSeconds, unit: 's (simulated)', details },
      { name: `  HPA default baseline ${r.scenario === 'a' ? '(a)' : '(b)'}`, value: r.hpaSeconds, unit: 's (simulated)' },
      { name: `  KEDA baseline ${r.scenario === 'a' ? '(a)' : '(b)'} (HPA + 30 s polling)`, value: r.kedaSeconds, unit: 's (simulated)' },
      {
        name: `  ${r.scenario === 'a' ? '(a)' : '(b)'} sooner than HPA default`,
        value: round2(r.hpaSeconds / r.hmsSeconds),
        unit: '×',
        target: { min: TARGET_RATIO[r.scenario], unit: '×' },
      },
      { name: `  ${r.scenario === 'a' ? '(a)' : '(b)'} sooner than KEDA`, value: round2(r.kedaSeconds / r.hmsSeconds), unit: '×' },
    ];
  });
}

const round2 = (n: number) => Math.round(n * 100) / 100;
