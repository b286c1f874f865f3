// Plays chapter 22's FEMA story against the sandbox: fema-portal bursts from 10 towards 1,000 pods
// under a $200/h cap, holds for 20 minutes, then scales back. Exits 0 only if the simulator's Ready
// pods reached the capped target and came back to 10. HMS_DEMO_MAX_NODES sets a smaller node group,
// to see Pending pods and the failure they cause.
import { quietSdkNodeVersionWarning } from './sdk-node-warning.ts';

process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
quietSdkNodeVersionWarning();

const { OffsetClock } = await import('#adapters/local/offset-clock.ts');
const { hoursLeftInMonth, nextMonthStart } = await import('#domain/budget.ts');
const { formatRateUSD } = await import('#domain/cost.ts');
const { startSandbox } = await import('#sandbox/sandbox.ts');
const { apiClient } = await import('./client.ts');
const { progressLine } = await import('./progress.ts');

const SERVICE = 'fema-portal';
const FROM_PODS = 10;
const HOLD_MINUTES = 20;
/** Real seconds the ramp and the scale-back may take before the demo gives up. */
const RAMP_LIMIT_MS = 30_000;
const maxNodes = Number(process.env.HMS_DEMO_MAX_NODES ?? 40);
const timings = { podReadyDelayMs: 300, capacity: { podsPerNode: 30, maxNodes, nodeProvisioningDelayMs: 2_000, batchWindowMs: 200 } };

const clock = new OffsetClock();
// The hold must stay inside one calendar month, or the month's metered spend starts again at 0.
if (hoursLeftInMonth(clock.now()) < 2) clock.advance(nextMonthStart(clock.now()).getTime() + 3_600_000 - clock.now().getTime());
const wallStart = Date.now();
const sandbox = await startSandbox({
  clock,
  persistState: false,
  ...timings,
  burstTickSeconds: 1,
  reconcileSeconds: 3_600,
  alarmEvaluationSeconds: 3_600,
  meterSeconds: 3_600,
});
const api = apiClient(sandbox.url, sandbox.tokens.admin!);
const sim = sandbox.k8s.state;
const say = (text: string) => console.log(`\n${text}`);
const usd = (n: number) => `$${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const nodeCount = (n: number) => `${n} node${n === 1 ? '' : 's'}`;
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface BurstStatus {
  burstId: string;
  state: string;
  readyPods: number | null;
  pendingPods: number | null;
  requestedPods: number;
  holdUntil: string | null;
  previousLevel: number | null;
  failure: string | null;
}
interface Plan {
  requestedPods: number;
  bindingLimit: string;
  limits: Array<{ limit: string; replicas: number; detail: string }>;
  estimatedCostUSD: number;
  estimatedReadySeconds: number;
  capacityWarnings: string[];
  podHourUSD: number;
  priceBasis: string;
  schedule: Array<{ step: string; replicas: number; note: string }>;
}

/** fema-portal's Deployment as the simulator sees it now. */
function podsNow() {
  sim.advance();
  const deployment = sim.deployment('fema', SERVICE);
  return { replicas: deployment?.replicas ?? 0, ready: deployment ? sim.readyCount(deployment) : 0 };
}

function nodesNow() {
  sim.advance();
  const nodes = sim.nodes();
  return { all: nodes.length, ready: nodes.filter((n) => sim.isNodeReady(n)).length, nodes };
}

/** The simulator runs on the sandbox clock, so its times are the clock's ms. */
const simToClock = (simMs: number) => simMs;

let rampStart = 0;
/** Simulated time since the ramp began, e.g. "T+2.4 s" or "T+20 min 03 s". */
function since(time: number): string {
  const ms = time - rampStart;
  if (ms < 60_000) return `T+${(ms / 1000).toFixed(1)} s`.padEnd(14);
  const s = Math.round(ms / 1000);
  return `T+${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`.padEnd(14);
}
const at = (text: string, time = clock.now().getTime()) => console.log(`   ${since(time)} ${text}`);

const status = (id: string) => api.call('GET', `/bursts/${id}`) as Promise<BurstStatus>;
const spent = async () => {
  await sandbox.meterNow();
  return ((await api.call('GET', `/budgets/${SERVICE}`)) as { spentUSD: number }).spentUSD;
};

/** Polls the burst over HTTP, printing node launches and Ready milestones, until its ramp ends. */
async function followRamp(id: string, requested: number, nodesBefore: { all: number; ready: number }): Promise<{ status: BurstStatus; peakReady: number }> {
  const deadline = Date.now() + RAMP_LIMIT_MS;
  const milestones = [0.25, 0.5, 0.75, 1].map((f) => Math.ceil(requested * f));
  let seen = nodesBefore;
  let reported = 0;
  let pendingSaid = false;
  let peakReady = 0;
  for (;;) {
    const s = await status(id);
    const nodes = nodesNow();
    peakReady = Math.max(peakReady, podsNow().ready);
    if (!pendingSaid && (s.pendingPods ?? 0) > 0) {
      // Pending from the moment the replicas were raised; the first poll sees them.
      at(`${s.pendingPods} new pods Pending: the cluster's ${nodeCount(nodesBefore.all)} ${nodesBefore.all === 1 ? 'is' : 'are'} full`, rampStart);
      pendingSaid = true;
    }
    const launched = nodes.nodes.slice(seen.all);
    if (launched.length) {
      at(
        `${launched.length} nodes launched in one batch (${nodes.all} in all), for the Pending pods`,
        simToClock(Math.min(...launched.map((n) => n.launchedAt))),
      );
    }
    if (nodes.ready > seen.ready && nodes.ready === nodes.all) {
      at(`all ${nodes.all} nodes Ready; the Pending pods are placed`, simToClock(Math.max(...nodes.nodes.map((n) => n.readyAt))));
    }
    seen = nodes;
    const ready = s.readyPods ?? 0;
    const crossed = milestones.filter((m) => ready >= m && m > reported);
    if (crossed.length) {
      at(`${progressLine(s, 20)}`);
      reported = crossed.at(-1)!;
    }
    if (s.state !== 'ramping') return { status: s, peakReady };
    // The simulator's view as of the same instant as `nodes`: every node is up and pods still wait.
    const stuck = sim.pendingCount();
    if (stuck > 0 && nodes.ready === nodes.all && nodes.all >= maxNodes) {
      throw new Error(
        `${stuck} pods stay Pending: the node group's ceiling of ${maxNodes} nodes is reached (${maxNodes * timings.capacity.podsPerNode} pod slots for ${requested} pods and the cluster's others)`,
      );
    }
    if (Date.now() > deadline) throw new Error(`the ramp did not finish in ${RAMP_LIMIT_MS / 1000} s: ${progressLine(s)}`);
    await wait(100);
  }
}

/** Polls until the burst ends, firing any schedule the clock has reached. */
async function untilEnded(id: string): Promise<BurstStatus> {
  const deadline = Date.now() + RAMP_LIMIT_MS;
  for (;;) {
    await sandbox.scheduler.fireDue();
    await sandbox.bus.drain();
    const s = await status(id);
    if (['done', 'cancelled', 'failed'].includes(s.state)) return s;
    if (Date.now() > deadline) throw new Error(`the burst did not end in ${RAMP_LIMIT_MS / 1000} s: state ${s.state}`);
    await wait(100);
  }
}

let ok = false;
try {
  say(`1. Register FEMA's disaster portal: ${SERVICE} (fema/${SERVICE}, ${FROM_PODS} pods of 4 vCPU / 8 GiB)`);
  await api.call('POST', '/services', {
    name: SERVICE,
    cluster: 'sandbox',
    namespace: 'fema',
    deployment: SERVICE,
    tags: { agency: 'FEMA', program: 'DisasterAssistance', fiscalYear: 'FY2026' },
  });
  const budget = (await api.call('POST', `/budgets/${SERVICE}`, { monthlyUSD: 5_000 })) as { podHourUSD: number; priceBasis: string; projectedUSD: number };
  console.log(`   a pod-hour costs ${formatRateUSD(budget.podHourUSD)}: ${budget.priceBasis}`);
  console.log(`   monthly budget ${usd(5_000)}; at ${FROM_PODS} pods the month projects to ${usd(budget.projectedUSD)}`);

  say('2. 3 a.m., hurricane night: plan the burst 10 → 1,000 pods, max $200/h, hold 20 minutes (dry run)');
  const request = { service: SERVICE, fromPods: FROM_PODS, toPods: 1_000, maxCostPerHourUSD: 200, holdMinutes: HOLD_MINUTES };
  const plan = (await api.call('POST', '/bursts?dryRun=true', request)) as Plan;
  for (const limit of plan.limits)
    console.log(`   ${limit.limit === plan.bindingLimit ? '→' : ' '} ${limit.limit.padEnd(15)} ${String(limit.replicas).padStart(6)} pods  ${limit.detail}`);
  console.log(`   requested pods: ${plan.requestedPods} (${plan.bindingLimit} binds)`);
  console.log(
    `   estimated cost: ${usd(plan.estimatedCostUSD)} = ${plan.requestedPods} pods × ${formatRateUSD(plan.podHourUSD)}/h × (${plan.estimatedReadySeconds.toFixed(1)} s to ready + ${HOLD_MINUTES} min hold)`,
  );
  for (const step of plan.schedule) console.log(`     ${step.step.padEnd(10)} ${String(step.replicas).padStart(5)}  ${step.note}`);
  for (const warning of plan.capacityWarnings) console.log(`   warning: ${warning}`);

  const { podsPerNode, nodeProvisioningDelayMs } = timings.capacity;
  say(
    `3. The burst, in sandbox time (a node is Ready ${nodeProvisioningDelayMs / 1000} s after it is asked for, a pod ${timings.podReadyDelayMs / 1000} s after it is placed; ${podsPerNode} pods a node)`,
  );
  const spentBefore = await spent();
  const nodesBefore = nodesNow();
  const created = (await api.call('POST', '/bursts', request)) as BurstStatus & Plan & { startedAt: string };
  rampStart = Date.parse(created.startedAt);
  const id = created.burstId;
  at(`${id} ramps: replicas ${FROM_PODS} → ${created.requestedPods} on ${nodeCount(nodesBefore.all)} (state ${created.state})`, rampStart);
  const spentAtRamp = await spent();
  const ramp = await followRamp(id, created.requestedPods, nodesBefore);
  let peakReady = ramp.peakReady;
  const afterRamp = await spent();
  if (ramp.status.state !== 'holding') throw new Error(`the burst left its ramp as ${ramp.status.state}: ${ramp.status.failure ?? ''}`);
  at(`holding ${ramp.status.readyPods}/${ramp.status.requestedPods} Ready until ${ramp.status.holdUntil}`);

  say(`4. The ${HOLD_MINUTES}-minute hold: the sandbox clock moves forward 5 minutes at a time, the meter runs at each step`);
  const holdUntil = Date.parse(ramp.status.holdUntil!);
  for (let step = 1; step <= 4; step++) {
    const target = step < 4 ? rampStart + (holdUntil - rampStart) * (step / 4) : holdUntil + 1_000;
    clock.advance(Math.max(0, target - clock.now().getTime()));
    const metered = (await spent()) - spentBefore;
    const s = await status(id);
    peakReady = Math.max(peakReady, podsNow().ready);
    at(`${progressLine(s, 20)}  metered so far ${usd(metered)}`);
  }
  await sandbox.scheduler.fireDue();
  await sandbox.bus.drain();
  const ended = await untilEnded(id);
  const after = podsNow();
  at(`scale-back: ${ended.state}, replicas ${after.replicas}, Ready ${after.ready} (the level before the burst: ${ended.previousLevel})`);

  say('5. The cost');
  const metered = (await spent()) - spentBefore;
  const finalBudget = (await api.call('GET', `/budgets/${SERVICE}`)) as { spentUSD: number; projectedUSD: number; monthlyUSD: number; state: string };
  console.log(`   estimated at planning: ${usd(plan.estimatedCostUSD)}`);
  console.log(
    `   metered (replica-time × price, ramp through scale-back): ${usd(metered)}  (ramp ${usd(afterRamp - spentAtRamp)}, hold ${usd(metered - (afterRamp - spentBefore))})`,
  );
  console.log(
    `   within the cap: ${created.requestedPods} pods × ${formatRateUSD(plan.podHourUSD)}/h = ${usd(created.requestedPods * plan.podHourUSD)}/h ≤ ${usd(request.maxCostPerHourUSD)}/h`,
  );
  console.log(
    `   budget ${usd(finalBudget.monthlyUSD)}: spent ${usd(finalBudget.spentUSD)}, projected ${usd(finalBudget.projectedUSD)} at ${after.replicas} pods, state ${finalBudget.state}`,
  );

  say('6. The audit trail of the burst, oldest first');
  const page = (await api.call('GET', `/audit?service=${SERVICE}&limit=50`)) as {
    records: Array<{ time: string; actor: string; action: string; reasons: string[] }>;
  };
  for (const r of page.records.reverse().filter((r) => r.action.startsWith('burst.'))) {
    console.log(`   ${r.time}  ${r.actor.padEnd(26)} ${r.action.padEnd(17)} ${r.reasons[0] ?? ''}`);
  }

  const reached = peakReady >= created.requestedPods;
  const back = after.ready === FROM_PODS && after.replicas === FROM_PODS && ended.state === 'done';
  ok = reached && back;
  say(
    ok
      ? `✔ ${SERVICE} went ${FROM_PODS} → ${peakReady} Ready pods (capped target ${created.requestedPods}) → ${after.ready}, for ${usd(metered)}`
      : `✘ ${SERVICE} did not reach its target and come back: peak Ready ${peakReady} of ${created.requestedPods}, then ${after.ready} Ready of ${after.replicas} (state ${ended.state})`,
  );
} catch (err) {
  console.error(`demo failed: ${(err as Error).message}`);
} finally {
  await sandbox.close();
}
console.log(`   (${((Date.now() - wallStart) / 1000).toFixed(1)} s of real time)`);
process.exit(ok ? 0 : 1);
