import { alarmsForRule } from '#domain/alarms.ts';
import { clamp, DEFAULT_SCALE_IN_STABILIZATION_SECONDS } from '#domain/decision.ts';
import { ConflictError, NotFoundError, UnprocessableError } from '#domain/errors.ts';
import type { Rule, Service } from '#domain/model.ts';
import { type CreateRuleInput, createRuleSchema, type UpdateRuleInput } from '#domain/schemas.ts';
import { parseInput } from '#domain/validation.ts';
import { StaleVersionError } from '#ports/errors.ts';
import type { AlarmSpec } from '#ports/metrics.ts';
import type { Caller, Ports } from '#ports/ports.ts';
import { orConflict } from './conflicts.ts';
import { requireWorkload } from './live-service.ts';
import { recordedChange } from './recorded-change.ts';
import type { Mutation } from './services.ts';

export async function getRule(ports: Ports, ruleId: string): Promise<Rule> {
  const rule = await ports.store.getRule(ruleId);
  if (!rule) throw new NotFoundError(`rule ${ruleId}`, 'id');
  return rule;
}

export async function listRules(ports: Ports, service: string | undefined): Promise<Rule[]> {
  const rules = await ports.store.listRules();
  return service ? rules.filter((rule) => rule.service === service) : rules;
}

async function targetService(ports: Ports, name: string): Promise<Service> {
  const service = await ports.store.getService(name);
  if (!service) throw new UnprocessableError('unknown_service', `service ${name} is not registered: POST /services first`, 'service');
  return service;
}

/** Current replicas for a dry run's preview; a cluster fault reads as null rather than failing the preview. */
async function previewReplicas(ports: Ports, service: Service, rule: Pick<Rule, 'minReplicas' | 'maxReplicas'>) {
  const current = await ports.cluster.getScale(service).then(
    (s) => s.replicas,
    () => null,
  );
  const afterClamp = current === null ? null : clamp(current, rule.minReplicas, rule.maxReplicas);
  return { current, min: rule.minReplicas, max: rule.maxReplicas, afterClamp };
}

/**
 * Puts a rule's alarms; the API and the sandbox's restart both put them this way. A failure is
 * the metrics port's own error, mapped at the edge (a CloudWatch fault is a 503, a bug a 500).
 */
export async function putAlarms(ports: Pick<Ports, 'metrics'>, alarms: AlarmSpec[]): Promise<void> {
  for (const alarm of alarms) await ports.metrics.putAlarm(alarm);
}

export async function createRule(ports: Ports, caller: Caller, input: CreateRuleInput, options: Mutation) {
  const service = await requireWorkload(ports, await targetService(ports, input.service));
  const now = ports.clock.now().toISOString();
  const draft = {
    ...input,
    scaleInStabilizationSeconds: input.scaleInStabilizationSeconds ?? DEFAULT_SCALE_IN_STABILIZATION_SECONDS,
    target: {
      cluster: service.cluster,
      namespace: service.namespace,
      deployment: service.deployment,
      tags: service.tags,
      ...(service.metrics ? { metrics: service.metrics } : {}),
    },
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  if (options.dryRun) {
    const alarms = alarmsForRule({ ...draft, ruleId: 'AR-{id}' }, service);
    return { dryRun: true, wouldCreate: { ...draft, ruleId: null }, alarms, replicas: await previewReplicas(ports, service, draft) };
  }
  const ruleId = `AR-${await ports.store.nextRuleNumber()}`;
  const alarms = alarmsForRule({ ...draft, ruleId }, service);
  const rule: Rule = { ...draft, ruleId, alarms: alarms.map((a) => a.name) };
  const plan = {
    action: 'rule.create',
    target: `rule/${ruleId}`,
    before: null,
    after: rule,
    outcome: 'success' as const,
    reasons: [`alarms ${rule.alarms.join(', ')} created`],
    service,
    probe: { kind: 'state-version' as const, entity: 'rule' as const, key: ruleId, version: rule.version },
  };
  return recordedChange(ports, caller, plan, async () => {
    // The rule goes first: a crash before its alarms leaves a visible rule to delete, never unseen alarms.
    await ports.store.putRule(rule, null);
    const undo = async () => {
      await ports.metrics.deleteAlarms(rule.alarms).catch(() => undefined);
      await ports.store.deleteRule(ruleId, rule.version).catch(() => undefined);
    };
    try {
      await putAlarms(ports, alarms);
    } catch (err) {
      await undo();
      throw err;
    }
    // Then the service is read again: a delete marks it before it looks for rules (StateStore), so
    // either that delete sees this rule and its alarms, or this read sees the mark and undoes them.
    if (!(await ports.store.serviceAcceptsRules(service.name))) {
      await undo();
      throw new UnprocessableError(
        'unknown_service',
        `service ${service.name} was deleted, or is being deleted, while the rule was created: nothing was kept`,
        'service',
      );
    }
    return rule;
  });
}

/** Applies an edit: null clears name or scaleInThreshold; the merged rule is validated whole. */
function mergeEdit(rule: Rule, patch: UpdateRuleInput): Rule {
  const merged: Record<string, unknown> = { ...rule };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete merged[key];
    else if (value !== undefined) merged[key] = value;
  }
  const { ruleId, target, alarms, createdAt, updatedAt, version, deleting: _deleting, ...fields } = merged as unknown as Rule;
  const checked = parseInput(createRuleSchema, fields);
  return {
    ...checked,
    scaleInStabilizationSeconds: checked.scaleInStabilizationSeconds ?? rule.scaleInStabilizationSeconds,
    ruleId,
    target,
    alarms,
    createdAt,
    updatedAt,
    version,
  };
}

export async function updateRule(ports: Ports, caller: Caller, ruleId: string, patch: UpdateRuleInput, options: Mutation) {
  const before = await getRule(ports, ruleId);
  if (before.deleting) throw new ConflictError(`rule ${ruleId} is being deleted`, 'id');
  const service = await requireWorkload(ports, await targetService(ports, before.service));
  const merged = mergeEdit(before, patch);
  const alarms = alarmsForRule(merged, service);
  const after: Rule = {
    ...merged,
    alarms: alarms.map((a) => a.name),
    updatedAt: ports.clock.now().toISOString(),
    version: before.version + 1,
  };
  const dropped = before.alarms.filter((name) => !after.alarms.includes(name));
  if (options.dryRun) {
    return { dryRun: true, wouldUpdate: after, alarms, alarmsDeleted: dropped, replicas: await previewReplicas(ports, service, after) };
  }
  const plan = {
    action: 'rule.update',
    target: `rule/${ruleId}`,
    before,
    after,
    outcome: 'success' as const,
    reasons: [`fields changed: ${Object.keys(patch).join(', ')}`],
    service,
    probe: { kind: 'state-version' as const, entity: 'rule' as const, key: ruleId, version: after.version },
  };
  return recordedChange(ports, caller, plan, async () => {
    await orConflict(() => ports.store.putRule(after, before.version), `rule ${ruleId}`, 'id');
    try {
      await putAlarms(ports, alarms);
      if (dropped.length > 0) await ports.metrics.deleteAlarms(dropped);
    } catch (err) {
      await ports.store.putRule({ ...before, version: after.version + 1 }, after.version).catch(() => undefined);
      await putAlarms(ports, alarmsForRule(before, service)).catch(() => undefined);
      throw err;
    }
    return after;
  });
}

/**
 * Deletes a rule: it is first marked deleting (so it stops scaling), then its alarms go, then
 * the rule. A failure part-way leaves the marked rule in place, and a repeated DELETE finishes.
 */
export async function deleteRule(ports: Ports, caller: Caller, ruleId: string, options: Mutation) {
  const rule = await getRule(ports, ruleId);
  const service = await ports.store.getService(rule.service);
  if (options.dryRun) return { dryRun: true, wouldDelete: rule, alarmsDeleted: rule.alarms };
  const marked: Rule = { ...rule, deleting: true, version: rule.version + 1 };
  const plan = {
    action: 'rule.delete',
    target: `rule/${ruleId}`,
    before: rule,
    after: null,
    outcome: 'success' as const,
    reasons: [`alarms ${rule.alarms.join(', ')} deleted`],
    service,
    serviceName: rule.service,
    probe: { kind: 'state-version' as const, entity: 'rule' as const, key: ruleId, version: rule.version, deleted: true },
  };
  return recordedChange(ports, caller, plan, async () => {
    if (!rule.deleting) await orConflict(() => ports.store.putRule(marked, rule.version), `rule ${ruleId}`, 'id');
    // A failure here leaves the rule marked deleting, and a repeated DELETE finishes.
    await ports.metrics.deleteAlarms(rule.alarms);
    await orConflict(() => ports.store.deleteRule(ruleId, rule.deleting ? rule.version : marked.version), `rule ${ruleId}`, 'id');
    await forgetRule(ports, rule).catch(() => undefined);
    return { deleted: ruleId, alarmsDeleted: rule.alarms };
  });
}

/** Drops a deleted rule's memory from its service's scaling state; best effort, as it only saves space. */
async function forgetRule(ports: Ports, rule: Rule): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const scaling = await ports.store.getScaling(rule.service);
    if (!scaling?.rules[rule.ruleId]) return;
    const { [rule.ruleId]: _forgotten, ...rules } = scaling.rules;
    try {
      await ports.store.putScaling({ ...scaling, rules, version: scaling.version + 1 }, scaling.version);
      return;
    } catch (err) {
      if (!(err instanceof StaleVersionError)) throw err;
    }
  }
}
