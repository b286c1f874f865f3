import { metricSourceFor } from '#domain/alarms.ts';
import type { Decision, DecisionSource, Rule, RuleState, ScaleDirection, Service } from '#domain/model.ts';
import { withChange } from '#domain/scale-history.ts';
import { planScale, type ScalePlan, type ScaleWrite } from '#domain/scale-plan.ts';
import type { HpaState, ScaleState, WorkloadRef } from '#ports/cluster.ts';
import { ClusterConflictError, StaleVersionError } from '#ports/errors.ts';
import type { Datapoint } from '#ports/metrics.ts';
import type { Caller, Ports } from '#ports/ports.ts';
import { record } from './record.ts';

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

const MAX_ROUNDS = 5;

export interface RuleAndState {
  rule: Rule | null;
  state: RuleState | null;
}

/** Reads a rule and its state together; callers may start this before they claim the event. */
export async function loadRule(ports: Ports, ruleId: string): Promise<RuleAndState> {
  const [rule, state] = await Promise.all([ports.store.getRule(ruleId), ports.store.getRuleState(ruleId)]);
  return { rule, state };
}

/**
 * Evaluates one rule and applies its decision. The change is first appended to the service's
 * scale history (a conditional write that serializes concurrent deciders), then written to the
 * cluster with the resourceVersion that was read; losing either race re-reads and re-plans.
 */
export async function scaleRule(ports: Ports, caller: Caller, request: ScaleRequest, preloaded?: Promise<RuleAndState>): Promise<ScaleOutcome> {
  const { rule, state } = await (preloaded ?? loadRule(ports, request.ruleId));
  const servicePromise = rule && !rule.deleting ? ports.store.getService(rule.service) : Promise.resolve(null);
  // Without an alarm's datapoint the metric is read now, and where it lives is the service's to say.
  const metric = request.metricHint ?? await servicePromise.then((service) =>
    (rule && service ? ports.metrics.latestValue(metricSourceFor(rule, service)) : null));

  for (let round = 1; ; round += 1) {
    const [service, scale, hpa, history] = await Promise.all([
      servicePromise,
      rule && !rule.deleting ? ports.cluster.getScale(rule.workload) : null,
      rule && !rule.deleting ? ports.cluster.findHpa(rule.workload) : null,
      rule ? ports.store.getScaleHistory(rule.service) : null,
    ]);
    if (!rule || !service || !scale) return skip(ports, caller, request.ruleId, rule?.service);
    const plan = planScale({
      rule, direction: request.direction, source: request.source, eventId: request.eventId, metric,
      currentReplicas: scale.replicas, hpa, history, recommendations: state?.recommendations ?? [], now: ports.clock.now(),
    });
    if (plan.write) {
      const change = { at: ports.clock.now().toISOString(), from: scale.replicas, to: target(plan.write), ruleId: rule.ruleId, eventId: request.eventId };
      try {
        await ports.store.putScaleHistory(withChange(history, service.name, change, hpa?.minReplicas), history?.version ?? null);
        await write(ports, rule.workload, plan.write, scale, hpa);
      } catch (err) {
        if ((err instanceof StaleVersionError || err instanceof ClusterConflictError) && round < MAX_ROUNDS) continue;
        throw err;
      }
    }
    return finish(ports, caller, rule, service, state, plan, scale.replicas);
  }
}

async function skip(ports: Ports, caller: Caller, ruleId: string, serviceName: string | undefined): Promise<ScaleOutcome> {
  await record(ports, caller, {
    action: 'scale.skip', target: `rule/${ruleId}`, before: null, after: null, outcome: 'skipped',
    reasons: [`rule ${ruleId} or its service no longer exists, or the rule is being deleted`], serviceName,
  });
  return { ruleId, outcome: 'skipped', decision: null, appliedTo: null };
}

const target = (write: ScaleWrite) => (write.to === 'deployment' ? write.replicas : write.minReplicas);

function write(ports: Ports, workload: WorkloadRef, plan: ScaleWrite, scale: ScaleState, hpa: HpaState | null) {
  if (plan.to === 'deployment') return ports.cluster.setScale(workload, plan.replicas, scale.resourceVersion);
  return ports.cluster.setHpaMinReplicas(workload, hpa!.name, plan.minReplicas, hpa!.resourceVersion);
}

async function finish(ports: Ports, caller: Caller, rule: Rule, service: Service, state: RuleState | null, plan: ScalePlan, current: number): Promise<ScaleOutcome> {
  const applied = plan.write !== null || plan.alreadyApplied;
  const { decision } = plan;
  await saveRuleState(ports, rule.ruleId, state, decision, plan.recommendations);
  await record(ports, caller, {
    action: applied ? 'scale.apply' : 'scale.decide',
    target: `deployment/${service.namespace}/${service.deployment}`,
    before: { replicas: applied && plan.alreadyApplied ? decision.currentReplicas : current },
    after: plan.write?.to === 'hpa' ? { replicas: decision.desiredReplicas, hpaMinReplicas: plan.write.minReplicas } : { replicas: applied ? decision.desiredReplicas : current },
    outcome: applied ? 'success' : 'skipped',
    reasons: decision.reasons,
    service,
  });
  return { ruleId: rule.ruleId, outcome: applied ? 'scaled' : 'unchanged', decision, appliedTo: plan.write?.to ?? null };
}

/** Keeps the recommendation history; a concurrent writer's recommendations are merged, not lost. */
async function saveRuleState(ports: Ports, ruleId: string, state: RuleState | null, decision: Decision, recommendations: RuleState['recommendations']) {
  let current = state;
  for (let attempt = 0; attempt < 10; attempt += 1) {
    const merged = mergeRecommendations(current?.recommendations ?? [], recommendations);
    const next: RuleState = { ruleId, recommendations: merged, lastDecision: decision, version: (current?.version ?? 0) + 1 };
    try {
      await ports.store.putRuleState(next, current?.version ?? null);
      return;
    } catch (err) {
      if (!(err instanceof StaleVersionError)) throw err;
      current = await ports.store.getRuleState(ruleId);
    }
  }
  throw new StaleVersionError(`rule state ${ruleId}`);
}

function mergeRecommendations(a: RuleState['recommendations'], b: RuleState['recommendations']) {
  const seen = new Map<string, { at: string; replicas: number }>();
  for (const r of [...a, ...b]) seen.set(`${r.at}|${r.replicas}`, r);
  return [...seen.values()].sort((x, y) => x.at.localeCompare(y.at)).slice(-200);
}
