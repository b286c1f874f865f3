import { ConflictError, NotFoundError, UnprocessableError } from '#domain/errors.ts';
import type { Service } from '#domain/model.ts';
import type { CreateServiceInput } from '#domain/schemas.ts';
import type { WorkloadRef } from '#ports/cluster.ts';
import { ClusterNotFoundError } from '#ports/errors.ts';
import type { Caller, Ports } from '#ports/ports.ts';
import { forgetUsage, removeBudget } from './budget-removal.ts';
import { orConflict } from './conflicts.ts';
import { recordedChange } from './recorded-change.ts';
import { deleteRule } from './rules.ts';

export interface Mutation {
  dryRun: boolean;
}

export async function createService(ports: Ports, caller: Caller, input: CreateServiceInput, options: Mutation) {
  if (!ports.knownClusters.includes(input.cluster)) {
    throw new UnprocessableError(
      'unknown_cluster',
      `cluster ${input.cluster} is not managed here; known clusters: ${ports.knownClusters.join(', ')}`,
      'cluster',
    );
  }
  const existing = await ports.store.getService(input.name);
  if (existing) throw new ConflictError(`service ${input.name} already exists`, 'name');
  await requireWorkload(ports, input);
  const service: Service = { ...input, createdAt: ports.clock.now().toISOString(), version: 1 };
  if (options.dryRun) return { dryRun: true, wouldCreate: service };
  const plan = {
    action: 'service.create',
    target: `service/${service.name}`,
    before: null,
    after: service,
    outcome: 'success' as const,
    reasons: [`registered ${service.namespace}/${service.deployment} on cluster ${service.cluster}`],
    service,
    probe: { kind: 'state-version' as const, entity: 'service' as const, key: service.name, version: service.version },
  };
  return recordedChange(ports, caller, plan, async () => {
    await orConflict(() => ports.store.putService(service, null), `service ${input.name}`, 'name', `service ${input.name} already exists`);
    return service;
  });
}

/**
 * The Deployment must exist before it is registered: a missing one is the caller's mistake (422
 * naming `deployment`); a cluster that cannot be reached fails the request (503), never accepts it.
 */
async function requireWorkload(ports: Ports, ref: WorkloadRef): Promise<void> {
  try {
    await ports.cluster.getScale(ref);
  } catch (err) {
    if (err instanceof ClusterNotFoundError && err.object === 'workload') {
      throw new UnprocessableError(
        'workload_not_found',
        `Deployment ${ref.namespace}/${ref.deployment} does not exist on cluster ${ref.cluster}`,
        'deployment',
      );
    }
    throw err;
  }
}

export async function getService(ports: Pick<Ports, 'store'>, name: string, field = 'name'): Promise<Service> {
  const service = await ports.store.getService(name);
  if (!service) throw new NotFoundError(`service ${name}`, field);
  return service;
}

export interface DeleteServiceOptions extends Mutation {
  /** Delete the service's rules and their alarms first, instead of refusing while rules exist. */
  cascade?: boolean;
}

const rulesOf = async (ports: Ports, name: string) => (await ports.store.listRules()).filter((r) => r.service === name).map((r) => r.ruleId);

function targetedBy(name: string, ruleIds: string[]): ConflictError {
  return new ConflictError(
    `service ${name} is targeted by ${ruleIds.join(', ')}: delete those rules first, or delete the service with its rules (CLI: hms-sys services delete ${name} --cascade; API: DELETE /services/${name}?cascade=true)`,
    'name',
  );
}

/**
 * Deletes one of the service's rules. A rule that went meanwhile (its own DELETE, or a creation
 * that saw the mark and undid itself) is gone either way; one edited meanwhile is deleted again.
 */
async function deleteRuleOf(ports: Ports, caller: Caller, ruleId: string): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await deleteRule(ports, caller, ruleId, { dryRun: false });
      return;
    } catch (err) {
      if (!(await ports.store.getRule(ruleId))) return;
      if (!(err instanceof ConflictError) || attempt >= 3) throw err;
    }
  }
}

/**
 * Deletes a service, excluding rule creation for it: the service is marked first, then its rules
 * are listed (see StateStore), so no rule can be left pointing at a deleted service. Without
 * cascade a delete refuses while rules exist, naming them; with it, they and their alarms go first.
 * A delete that fails part-way leaves the service marked, and a repeated DELETE finishes it.
 */
export async function deleteService(ports: Ports, caller: Caller, name: string, options: DeleteServiceOptions) {
  const service = await getService(ports, name);
  const seen = await rulesOf(ports, name);
  if (seen.length > 0 && !options.cascade) throw targetedBy(name, seen);
  if (options.dryRun) return { dryRun: true, wouldDelete: service, ...(options.cascade ? { rulesDeleted: seen } : {}) };
  await orConflict(() => ports.store.markServiceDeleting(name, service.version), `service ${name}`, 'name');
  const ruleIds = await rulesOf(ports, name);
  if (ruleIds.length > 0 && !options.cascade) {
    await ports.store.unmarkServiceDeleting(name);
    throw targetedBy(name, ruleIds);
  }
  for (const ruleId of ruleIds) await deleteRuleOf(ports, caller, ruleId);
  // The budget goes with its service, or a later service of the same name would inherit its cap and tags.
  const budget = await ports.ledger.getBudget(name);
  if (budget) await removeBudget(ports, caller, budget, `service ${name} was deleted`);
  const plan = {
    action: 'service.delete',
    target: `service/${name}`,
    before: service,
    after: null,
    outcome: 'success' as const,
    reasons: [ruleIds.length > 0 ? `removed from the registry with its rules ${ruleIds.join(', ')}` : 'removed from the registry'],
    service,
    probe: { kind: 'state-version' as const, entity: 'service' as const, key: name, version: service.version, deleted: true, createdAt: service.createdAt },
  };
  await recordedChange(ports, caller, plan, () => orConflict(() => ports.store.deleteService(name, service.version), `service ${name}`, 'name'));
  await forgetUsage(ports, name);
  return { deleted: name, ...(options.cascade ? { rulesDeleted: ruleIds } : {}) };
}
