import { ConflictError } from '#domain/errors.ts';
import type { ScaleServiceInput } from '#domain/schemas.ts';
import type { Caller, CorePorts } from '#ports/ports.ts';
import { budgetLimit, recordFloorExceeds } from './budget-guard.ts';
import { getLiveService } from './live-service.ts';
import { recordedChange } from './recorded-change.ts';
import type { Mutation } from './services.ts';
import { readLevel, writeLevel } from './workload-level.ts';

/**
 * Sets a service's replicas by hand (or the floor of the HPA that owns them). A scale-up is
 * clamped by the service's budget like any other, never below its rules' highest minReplicas;
 * a burst under way holds the service, so the call is refused until it ends.
 */
export async function scaleService(ports: CorePorts, caller: Caller, name: string, input: ScaleServiceInput, options: Mutation) {
  const service = await getLiveService(ports, name);
  const burstId = await ports.ledger.activeBurstOf(name);
  if (burstId) throw new ConflictError(`burst ${burstId} holds ${name}: cancel it or wait for it to end`, 'name');
  const [level, rules] = await Promise.all([readLevel(ports, service), ports.store.listRules()]);
  const floor = Math.max(0, ...rules.filter((r) => r.service === name && !r.deleting).map((r) => r.minReplicas));
  const limit = await budgetLimit(ports, service, { current: level.level, desired: input.replicas, floor });
  const target = limit?.replicas ?? input.replicas;
  const reasons = [`asked for ${input.replicas} replicas by hand`, ...(limit?.reasons ?? [])];
  if (level.ceiling !== null && target > level.ceiling) reasons.push(`the HPA's maxReplicas ${level.ceiling} caps its floor`);
  const answer = { service: name, from: level.level, requested: input.replicas, owner: level.owner, reasons };
  if (options.dryRun) return { dryRun: true, ...answer, to: Math.min(target, level.ceiling ?? target) };
  // What the level will read once written: an HPA's floor is at least 1 and at most its maxReplicas (writeLevel).
  const expected = level.owner === 'hpa' ? Math.max(1, Math.min(target, level.ceiling ?? target)) : target;
  const plan = {
    action: 'scale.manual',
    target: `deployment/${service.namespace}/${service.deployment}`,
    before: { replicas: level.level },
    after: { replicas: expected },
    outcome: 'success' as const,
    reasons,
    service,
    probe: { kind: 'replicas' as const, service: name, replicas: expected },
    completed: (written: number) => ({ after: { replicas: written } }),
  };
  const written = await recordedChange(ports, caller, plan, async () => {
    const level = await writeLevel(ports, service, target);
    if (limit?.floorExceedsBudget) await recordFloorExceeds(ports, caller, service, limit);
    return level;
  });
  return { ...answer, to: written };
}
