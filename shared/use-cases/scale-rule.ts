import { metricSourceFor } from '#domain/alarms.ts';
import { type DecisionFacts, type QuietVerdict, quietReasons, quietVerdict } from '#domain/audit-quiet.ts';
import { PUBLISHED_LOOKBACK_HOURS } from '#domain/decision.ts';
import type { Decision, DecisionSource, Rule, ScaleDirection } from '#domain/model.ts';
import { type BackoffPolicy, backoffDelay } from '#domain/retry.ts';
import { planScale, type ScalePlan, type ScaleWrite } from '#domain/scale-plan.ts';
import { nextScaling } from '#domain/scaling.ts';
import type { HpaState } from '#ports/cluster.ts';
import { ClusterConflictError, StaleVersionError } from '#ports/errors.ts';
import type { Datapoint } from '#ports/metrics.ts';
import type { Caller, Ports } from '#ports/ports.ts';
import { guardPlan, recordFloorExceeds } from './budget-guard.ts';
import { type RecordInput, record } from './record.ts';
import { recordedChange } from './recorded-change.ts';

export interface ScaleRequest {
  ruleId: string;
  direction: ScaleDirection;
  source: DecisionSource;
  /** The event (or reconcile pass) this evaluation belongs to. */
  eventId: string;
  /** The datapoint the alarm evaluated, when the event carries it. */
  metricHint: Datapoint | null;
}

export interface ScaleOutcome {
  ruleId: string;
  outcome: 'scaled' | 'unchanged' | 'skipped';
  decision: Decision | null;
  appliedTo: ScaleWrite['to'] | null;
}

/** Rounds lost to another hms-sys decider (the scaling state's version moved). */
const MAX_ROUNDS = 5;

/**
 * Rounds lost to the HPA floor's resourceVersion. The HPA controller writes the HPA's status every
 * sync (15 s by default), so a conditional write can lose to it repeatedly: up to 8 tries over ~4 s.
 */
export const HPA_FLOOR_BACKOFF: BackoffPolicy = { attempts: 8, baseMs: 50, capMs: 1_000 };

/** The evaluation ran ahead of its event claim, and the claim went to someone else. */
export class NotClaimedError extends Error {
  constructor(eventId: string) {
    super(`event ${eventId} is not ours to act on`);
    this.name = 'NotClaimedError';
  }
}

/**
 * Evaluates one rule and applies its decision. The service's scaling state (the change about
 * to be made, and the rule's memory) is written first, with a condition on its version that
 * serializes the service's deciders; then the cluster: the Deployment's replicas as an absolute
 * count, or the HPA's floor with the resourceVersion that was read. Losing either race re-reads
 * and re-plans. Nothing is written until `mayWrite` says the
 * caller holds the event.
 */
export async function scaleRule(
  ports: Ports,
  caller: Caller,
  request: ScaleRequest,
  mayWrite: Promise<boolean> = Promise.resolve(true),
): Promise<ScaleOutcome> {
  const holdsClaim = async () => {
    if (!(await mayWrite)) throw new NotClaimedError(request.eventId);
  };
  const rule = await ports.store.getRule(request.ruleId);
  if (!rule || rule.deleting) {
    await holdsClaim();
    return skip(ports, caller, request.ruleId, rule);
  }
  // A rule that names a burst template answers its scale-out alarm through the burst runner.
  if (rule.burst && request.direction === 'out') return { ruleId: rule.ruleId, outcome: 'skipped', decision: null, appliedTo: null };
  const source = metricSourceFor(rule, { name: rule.service, ...rule.target });
  // The budget is read beside the cluster, never in front of it: most scale-ups find none.
  const budgetRead = ports.ledger.getBudget(rule.service);
  budgetRead.catch(() => undefined); // awaited below; this keeps an early failure from going unhandled meanwhile
  const metric = request.metricHint ?? (await ports.metrics.latestValue(source));
  // Silence on a scale-in is no traffic only if the metric ever spoke: look further back once.
  const metricNeverSeen =
    metric === null &&
    request.direction === 'in' &&
    !(await ports.metrics.hasDataSince(source, new Date(ports.clock.now().getTime() - PUBLISHED_LOOKBACK_HOURS * 3_600_000)));

  let staleRounds = 0;
  let hpaConflicts = 0;
  for (;;) {
    // The Deployment (not its scale subresource) carries status.readyReplicas, which the decision sizes from.
    const [scale, hpa, scaling, budget] = await Promise.all([
      ports.cluster.getWorkload(rule.target),
      ports.cluster.findHpa(rule.target),
      ports.store.getScaling(rule.service),
      budgetRead,
    ]);
    const plan = planScale({
      rule,
      ruleId: rule.ruleId,
      direction: request.direction,
      source: request.source,
      eventId: request.eventId,
      metric,
      metricNeverSeen,
      currentReplicas: scale.replicas,
      readyReplicas: scale.readyReplicas,
      hpa,
      scaling,
      periodSeconds: source.periodSeconds,
      now: ports.clock.now(),
    });
    const limit = await guardPlan(ports, rule, plan, hpa ? hpa.minReplicas : scale.replicas, budget);
    const change = plan.write
      ? { at: ports.clock.now().toISOString(), from: scale.replicas, to: target(plan.write), ruleId: rule.ruleId, eventId: request.eventId }
      : undefined;
    const quiet = quietVerdict(scaling?.rules[rule.ruleId]?.quiet, decisionFacts(request.direction, plan, scale.replicas), ports.clock.now());
    const memory = { recommendations: plan.recommendations, lastDecision: plan.decision, ...(quiet.state ? { quiet: quiet.state } : {}) };
    await holdsClaim();
    const apply = async () => {
      await ports.store.putScaling(
        nextScaling(scaling, rule.service, { ruleId: rule.ruleId, memory, ...(change ? { change } : {}), ...(hpa ? { hpaMinReplicas: hpa.minReplicas } : {}) }),
        scaling?.version ?? null,
      );
      if (plan.write) await write(ports, rule, plan.write, hpa);
      if (limit?.floorExceedsBudget) await recordFloorExceeds(ports, caller, { name: rule.service, tags: rule.target.tags }, limit);
    };
    try {
      // A write to the cluster is a change: its intent goes first (recorded-change.ts), and the record
      // is appended there; a decision that writes nothing is recorded (or counted) by finish alone.
      if (plan.write) {
        const probe = { kind: 'replicas' as const, service: rule.service, replicas: target(plan.write) };
        // A throw is retried below (a conflict) or recorded by the alarm handler as scale.failed: withdraw the intent.
        await recordedChange(ports, caller, { ...decisionRecord(rule, plan, scale.replicas, quiet), probe, withdrawOnThrow: () => true }, apply);
      } else {
        await apply();
      }
    } catch (err) {
      if (err instanceof ClusterConflictError && plan.write?.to === 'hpa') {
        hpaConflicts += 1;
        if (hpaConflicts >= HPA_FLOOR_BACKOFF.attempts) throw err;
        await sleep(backoffDelay(HPA_FLOOR_BACKOFF, hpaConflicts - 1, Math.random()));
        continue;
      }
      if (!(err instanceof StaleVersionError || err instanceof ClusterConflictError)) throw err;
      staleRounds += 1;
      if (staleRounds >= MAX_ROUNDS) throw err;
      await sleep(Math.random() * 10 * 2 ** staleRounds);
      continue;
    }
    return finish(ports, caller, rule, plan, scale.replicas, quiet);
  }
}

/** A jittered pause before re-reading, so writers that collided do not collide again. */
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const target = (write: ScaleWrite) => (write.to === 'deployment' ? write.replicas : write.minReplicas);

function write(ports: Ports, rule: Rule, plan: ScaleWrite, hpa: HpaState | null) {
  // Absolute and unconditional; the putScaling above orders the stored changes, not the PATCHes (see setScale).
  if (plan.to === 'deployment') return ports.cluster.setScale(rule.target, plan.replicas);
  return ports.cluster.setHpaMinReplicas(rule.target, hpa!.name, plan.minReplicas, hpa!.resourceVersion);
}

async function skip(ports: Ports, caller: Caller, ruleId: string, rule: Rule | null): Promise<ScaleOutcome> {
  await record(ports, caller, {
    action: 'scale.skip',
    target: `rule/${ruleId}`,
    before: null,
    after: null,
    outcome: 'skipped',
    reasons: [rule ? `rule ${ruleId} is being deleted` : `rule ${ruleId} no longer exists`],
    service: rule ? { name: rule.service, tags: rule.target.tags } : null,
  });
  return { ruleId, outcome: 'skipped', decision: null, appliedTo: null };
}

const isApplied = (plan: ScalePlan) => plan.write !== null || plan.alreadyApplied;

/** What makes two unchanged decisions the same for the audit: not their metric readings. */
function decisionFacts(direction: ScaleDirection, plan: ScalePlan, current: number): DecisionFacts {
  const { action, desiredReplicas } = plan.decision;
  return { changed: isApplied(plan), signature: JSON.stringify([direction, action, current, desiredReplicas]) };
}

/** The record of a decision: scale.apply when it changed (or had already changed) the level, else scale.decide. */
function decisionRecord(rule: Rule, plan: ScalePlan, current: number, quiet: QuietVerdict): RecordInput {
  const applied = isApplied(plan);
  const { decision } = plan;
  return {
    action: applied ? 'scale.apply' : 'scale.decide',
    target: `deployment/${rule.target.namespace}/${rule.target.deployment}`,
    before: { replicas: plan.alreadyApplied ? decision.currentReplicas : current },
    after:
      plan.write?.to === 'hpa'
        ? { replicas: decision.desiredReplicas, hpaMinReplicas: plan.write.minReplicas }
        : { replicas: applied ? decision.desiredReplicas : current, ...(quiet.kind === 'summary' ? { unchangedPasses: quiet.count.passes } : {}) },
    outcome: applied ? 'success' : 'skipped',
    reasons: [...quietReasons(quiet), ...decision.reasons],
    service: { name: rule.service, tags: rule.target.tags },
  };
}

async function finish(ports: Ports, caller: Caller, rule: Rule, plan: ScalePlan, current: number, quiet: QuietVerdict): Promise<ScaleOutcome> {
  const applied = isApplied(plan);
  // A write was recorded with its intent. An unchanged decision already on record is counted, not
  // recorded again, until its hourly summary.
  if (!plan.write && quiet.kind !== 'suppress') await record(ports, caller, decisionRecord(rule, plan, current, quiet));
  return { ruleId: rule.ruleId, outcome: applied ? 'scaled' : 'unchanged', decision: plan.decision, appliedTo: plan.write?.to ?? null };
}
