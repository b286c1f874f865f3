import { metricSourceFor } from '#domain/alarms.ts';
import { awaitingFreshMetric, decideReplicas, stillApplies } from '#domain/decision.ts';
import type { Decision, DecisionSource, Rule, RuleState, ScaleDirection, Service } from '#domain/model.ts';
import { ClusterConflictError, StaleVersionError } from '#ports/errors.ts';
import type { Caller, Ports } from '#ports/ports.ts';
import { record } from './record.ts';

export interface ScaleRequest {
  ruleId: string;
  direction: ScaleDirection;
  source: DecisionSource;
  /** The metric value the alarm saw, when the event carries it. */
  metricHint: number | null;
}

export interface ScaleOutcome {
  ruleId: string;
  outcome: 'scaled' | 'unchanged' | 'skipped';
  decision: Decision | null;
  appliedTo: 'deployment' | 'hpa' | null;
}

const MAX_CONFLICT_ROUNDS = 5;

/**
 * Evaluates one rule and applies its decision. The decision is made once, from the replicas the
 * metric was observed at; a 409 from the cluster re-reads and applies it only if it still moves
 * replicas in its direction, so two alarms at once never lose an update or compound.
 */
export async function scaleRule(ports: Ports, caller: Caller, request: ScaleRequest): Promise<ScaleOutcome> {
  const rule = await ports.store.getRule(request.ruleId);
  const service = rule ? await ports.store.getService(rule.service) : null;
  if (!rule || !service) {
    await record(ports, caller, {
      action: 'scale.skip', target: `rule/${request.ruleId}`, before: null, after: null, outcome: 'skipped',
      reasons: [`rule ${request.ruleId} or its service no longer exists`], serviceName: rule?.service,
    });
    return { ruleId: request.ruleId, outcome: 'skipped', decision: null, appliedTo: null };
  }
  const source = metricSourceFor(rule, service);
  const state = await ports.store.getRuleState(rule.ruleId);
  if (request.source === 'reconcile' && awaitingFreshMetric(state?.lastDecision ?? null, ports.clock.now(), source.periodSeconds)) {
    return { ruleId: rule.ruleId, outcome: 'skipped', decision: null, appliedTo: null };
  }
  const metric = request.metricHint ?? (await ports.metrics.latestValue(source));
  let scale = await ports.cluster.getScale(service);
  const { decision, recommendations } = decideReplicas({
    rule, direction: request.direction, source: request.source, currentReplicas: scale.replicas,
    metric, now: ports.clock.now(), recommendations: state?.recommendations ?? [],
  });

  let appliedTo: ScaleOutcome['appliedTo'] = null;
  let applied = decision.action !== 'none';
  for (let round = 1; applied; round += 1) {
    try {
      appliedTo = await applyReplicas(ports, service, decision.desiredReplicas, scale.resourceVersion);
      break;
    } catch (err) {
      if (!(err instanceof ClusterConflictError) || round >= MAX_CONFLICT_ROUNDS) throw err;
      scale = await ports.cluster.getScale(service);
      if (!stillApplies(decision, scale.replicas)) {
        decision.reasons.push(`another change moved replicas to ${scale.replicas} first, which already satisfies this decision`);
        applied = false;
      }
    }
  }

  await saveRuleState(ports, rule, state, decision, recommendations);
  await record(ports, caller, {
    action: applied ? 'scale.apply' : 'scale.decide',
    target: `deployment/${service.namespace}/${service.deployment}`,
    before: { replicas: decision.currentReplicas },
    after: { replicas: applied ? decision.desiredReplicas : scale.replicas },
    outcome: applied ? 'success' : 'skipped',
    reasons: appliedTo === 'hpa' ? [...decision.reasons, 'applied as the HPA\'s minReplicas: the HPA owns spec.replicas'] : decision.reasons,
    service,
  });
  return { ruleId: rule.ruleId, outcome: applied ? 'scaled' : 'unchanged', decision, appliedTo };
}

/** Writes replicas, or raises the HPA's floor where an HPA owns the Deployment. */
async function applyReplicas(ports: Ports, service: Service, replicas: number, resourceVersion: string) {
  const hpa = await ports.cluster.findHpa(service);
  if (!hpa) {
    await ports.cluster.setScale(service, replicas, resourceVersion);
    return 'deployment' as const;
  }
  const floor = Math.max(1, Math.min(replicas, hpa.maxReplicas));
  if (floor !== hpa.minReplicas) await ports.cluster.setHpaMinReplicas(service, hpa.name, floor, hpa.resourceVersion);
  return 'hpa' as const;
}

/** Keeps the recommendation history; a concurrent writer's recommendations are merged, not lost. */
async function saveRuleState(ports: Ports, rule: Rule, state: RuleState | null, decision: Decision, recommendations: RuleState['recommendations']) {
  let current = state;
  for (let attempt = 0; attempt < 10; attempt += 1) {
    const merged = mergeRecommendations(current?.recommendations ?? [], recommendations);
    const next: RuleState = { ruleId: rule.ruleId, recommendations: merged, lastDecision: decision, version: (current?.version ?? 0) + 1 };
    try {
      await ports.store.putRuleState(next, current?.version ?? null);
      return;
    } catch (err) {
      if (!(err instanceof StaleVersionError)) throw err;
      current = await ports.store.getRuleState(rule.ruleId);
    }
  }
  throw new StaleVersionError(`rule state ${rule.ruleId}`);
}

function mergeRecommendations(a: RuleState['recommendations'], b: RuleState['recommendations']) {
  const seen = new Map<string, { at: string; replicas: number }>();
  for (const r of [...a, ...b]) seen.set(`${r.at}|${r.replicas}`, r);
  return [...seen.values()].sort((x, y) => x.at.localeCompare(y.at)).slice(-200);
}
