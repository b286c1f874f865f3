import { ConflictError, NotFoundError, ValidationError } from '#domain/errors.ts';
import type { MeshService, ScalingSpec } from '#domain/mesh/canonical.ts';
import { apiVersionOf, MESH_RESOURCES } from '#domain/mesh/kube-resources.ts';
import { rolloutOf } from '#domain/mesh/rollout.ts';
import type { Rule } from '#domain/model.ts';
import { type CreateRuleInput, createRuleSchema } from '#domain/schemas.ts';
import { parseInput } from '#domain/validation.ts';
import type { Caller, MeshPorts } from '#ports/ports.ts';
import { recordedChange } from '#use-cases/recorded-change.ts';
import { createRule, deleteRule, updateRule } from '#use-cases/rules.ts';
import { createService } from '#use-cases/services.ts';
import type { ServiceTarget } from './apply-objects.ts';
import type { ApplyStep } from './apply-result.ts';

/**
 * Chapter 12's "CPU hits 70%": Container Insights' pod_cpu_utilization of the service's pods
 * (dimensions ClusterName, Namespace, Service).
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Container-Insights-metrics-EKS.html
 */
export const CPU_METRIC = { namespace: 'ContainerInsights', metricName: 'pod_cpu_utilization' } as const;

const DEPLOYMENT_REF = { apiVersion: apiVersionOf(MESH_RESOURCES.Deployment), kind: 'Deployment' } as const;

/** The autoscale rule a manifest's `scaling` becomes is found again by this name. */
export const meshRuleName = (service: string): string => `mesh ${service}`;

/** The US federal fiscal year of a day: FY27 runs from 2026-10-01. */
export function fiscalYearOf(now: Date): string {
  const year = now.getUTCFullYear() + (now.getUTCMonth() >= 9 ? 1 : 0);
  return `FY${String(year % 100).padStart(2, '0')}`;
}

/**
 * An hms-sys service of this name must be the manifest's Deployment: one registered for another
 * workload is refused before anything is applied (`field` is the name's path in the file).
 */
export async function refuseOtherWorkload(ports: MeshPorts, target: ServiceTarget, field: string): Promise<void> {
  const service = await ports.store.getService(target.service);
  if (!service) return;
  if (service.cluster !== target.cluster || service.namespace !== target.namespace || service.deployment !== target.service) {
    throw new ConflictError(
      `hms-sys service ${service.name} is registered for Deployment ${service.namespace}/${service.deployment} on ${service.cluster}, not this manifest's ${target.namespace}/${target.service}: pick another name, or delete that service first (hms-sys services delete ${service.name} --cascade)`,
      field,
      'name_taken',
    );
  }
}

/** Registers the Deployment as an hms-sys service (the one services.ts createService), unless it is already. */
export async function ensureService(ports: MeshPorts, caller: Caller, target: ServiceTarget): Promise<void> {
  if (await ports.store.getService(target.service)) return;
  await createService(
    ports,
    caller,
    {
      name: target.service,
      cluster: target.cluster,
      namespace: target.namespace,
      deployment: target.service,
      tags: { agency: target.namespace, program: target.service, fiscalYear: fiscalYearOf(ports.clock.now()) },
      metrics: { namespace: CPU_METRIC.namespace, dimensions: { ClusterName: target.cluster, Namespace: target.namespace, Service: target.service } },
    },
    { dryRun: false },
  );
}

/**
 * The autoscale rule `scaling` becomes, checked with the rules API's own schema before anything
 * is applied (a bound the rule refuses is a 400 on the manifest's scaling field, not a half-done apply).
 */
export function ruleInputOf(manifest: MeshService, scalingField: string): CreateRuleInput | undefined {
  const scaling = manifest.spec.scaling;
  if (!scaling) return undefined;
  const input = {
    service: manifest.metadata.name,
    name: meshRuleName(manifest.metadata.name),
    minReplicas: scaling.min,
    maxReplicas: scaling.max,
    trigger: { metric: CPU_METRIC.metricName, threshold: scaling.cpuPercent },
  };
  try {
    return parseInput(createRuleSchema, input);
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    const fields: Record<string, string> = { minReplicas: 'min', maxReplicas: 'max', 'trigger.threshold': 'cpuPercent' };
    const field = fields[err.field ?? ''];
    throw new ValidationError(`${scalingField}: ${err.message}`, field ? `${scalingField}.${field}` : scalingField);
  }
}

/** The service's mesh autoscale rules, the first made first (ids compared as numbers). */
async function meshRules(ports: MeshPorts, name: string): Promise<Rule[]> {
  const mine = (await ports.store.listRules()).filter((r) => r.service === name && r.name === meshRuleName(name) && !r.deleting);
  return mine.sort((a, b) => a.ruleId.localeCompare(b.ruleId, 'en', { numeric: true }));
}

/** A rule another apply deleted first is gone as wanted. */
const ignoreGone = (err: unknown) => {
  if (!(err instanceof NotFoundError)) throw err;
};

const sameScaling = (rule: Rule, scaling: ScalingSpec) =>
  rule.minReplicas === scaling.min &&
  rule.maxReplicas === scaling.max &&
  rule.trigger.metric === CPU_METRIC.metricName &&
  rule.trigger.threshold === scaling.cpuPercent;

/**
 * Keeps the service's autoscale rule equal to `scaling` with rules.ts's own create, update and
 * delete (alarms and audit included). The rule is found by its name, so a replay after a crash
 * finds the one it made. Returns the rule's id (none without scaling) and the step to print, if any.
 */
export async function syncRule(ports: MeshPorts, caller: Caller, manifest: MeshService): Promise<{ ruleId?: string; step?: ApplyStep }> {
  const name = manifest.metadata.name;
  const scaling = manifest.spec.scaling;
  const mine = await meshRules(ports, name);
  const rule = mine[0];
  if (!scaling) {
    for (const r of mine) await deleteRule(ports, caller, r.ruleId, { dryRun: false });
    return rule ? { step: { ok: true, text: `Auto-scaler removed (${rule.ruleId})` } } : {};
  }
  const text = `Auto-scaler set (${scaling.min}-${scaling.max})`;
  const trigger = { metric: CPU_METRIC.metricName, threshold: scaling.cpuPercent };
  if (!rule) {
    await createRule(ports, caller, ruleInputOf(manifest, 'scaling') as CreateRuleInput, { dryRun: false });
    // Two applies at once may each create one: every apply keeps the same one (the first id) and deletes the others.
    const [kept, ...extra] = await meshRules(ports, name);
    for (const r of extra) await deleteRule(ports, caller, r.ruleId, { dryRun: false }).catch(ignoreGone);
    return { ...(kept ? { ruleId: kept.ruleId } : {}), step: { ok: true, text } };
  }
  for (const r of mine.slice(1)) await deleteRule(ports, caller, r.ruleId, { dryRun: false }).catch(ignoreGone);
  if (!sameScaling(rule, scaling))
    await updateRule(ports, caller, rule.ruleId, { minReplicas: scaling.min, maxReplicas: scaling.max, trigger }, { dryRun: false });
  return { ruleId: rule.ruleId, step: { ok: true, text } };
}

/**
 * spec.replicas is never applied (the autoscale rule owns the count), so a new Deployment starts
 * at the API server's default of 1: raised to scaling.min through the Cluster port's scale
 * subresource when below it, audited with a probe of the level reached.
 */
export async function scaleToMin(ports: MeshPorts, caller: Caller, target: ServiceTarget, min: number): Promise<ApplyStep | undefined> {
  const ref = { cluster: target.cluster, namespace: target.namespace, deployment: target.service };
  const { replicas } = await ports.cluster.getScale(ref);
  if (replicas >= min) return undefined;
  const plan = {
    action: 'mesh.scale',
    target: `service/${target.service}`,
    before: { replicas },
    after: { replicas: min },
    outcome: 'success' as const,
    reasons: [`the manifest's scaling.min is ${min}; the Deployment had ${replicas}`],
    serviceName: target.service,
    probe: { kind: 'replicas' as const, service: target.service, replicas: min },
  };
  await recordedChange(ports, caller, plan, () => ports.cluster.setScale(ref, min));
  return { ok: true, text: `Scaled to ${min} pods (scaling.min)` };
}

/**
 * "2/2 pods ready (image)" only when the rollout of the current pod template is complete, read
 * from the Deployment's status as `kubectl rollout status` reads it (observedGeneration,
 * updatedReplicas, replicas, readyReplicas: rollout.ts): readyReplicas alone counts the old
 * template's pods during a rollout. Otherwise "✗ 1/2 pods of IMAGE ready; the rollout goes on".
 */
export async function podsStep(ports: MeshPorts, target: ServiceTarget, image: string | undefined): Promise<ApplyStep> {
  const ref = { ...DEPLOYMENT_REF, namespace: target.namespace, name: target.service };
  const deployment = await ports.mesh.get(target.cluster, ref);
  if (!deployment) return { ok: false, text: `Deployment ${target.namespace}/${target.service} not found: no pod is running` };
  const rollout = rolloutOf(deployment);
  const shown = image ?? rollout.image;
  if (rollout.complete) return { ok: true, text: `${rollout.ready}/${rollout.desired} pods ready${shown ? ` (${shown})` : ''}` };
  return {
    ok: false,
    text: `${rollout.ready}/${rollout.desired} pods${shown ? ` of ${shown}` : ''} ready; the rollout goes on (waiting for ${rollout.waitingFor})`,
  };
}
