import type { Budget, Rule, Service, ServiceTags } from '#domain/model.ts';
import { createServiceSchema, type UpdateServiceInput } from '#domain/schemas.ts';
import { parseInput } from '#domain/validation.ts';
import { StaleVersionError } from '#ports/errors.ts';
import type { Caller, Ports } from '#ports/ports.ts';
import { orConflict } from './conflicts.ts';
import { getLiveService } from './live-service.ts';
import { record } from './record.ts';
import { recordedChange } from './recorded-change.ts';
import type { Mutation } from './services.ts';

/** Tries per copy of the tags before the edit gives up on a copy that keeps changing under it. */
const COPY_ATTEMPTS = 3;

/** The service with a merge patch applied (https://www.rfc-editor.org/rfc/rfc7396): tags merge, null removes, anything else (a list too) replaces. */
function mergePatch(service: Service, patch: UpdateServiceInput): Service {
  const merged: Record<string, unknown> = { ...service };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete merged[key];
    else if (key === 'tags') merged.tags = { ...service.tags, ...(value as Partial<ServiceTags>) };
    else if (value !== undefined) merged[key] = value;
  }
  const { createdAt, version, ...fields } = merged as unknown as Service;
  return { ...parseInput(createServiceSchema, fields), createdAt, version };
}

const sameTags = (a: ServiceTags, b: ServiceTags) => a.agency === b.agency && a.program === b.program && a.fiscalYear === b.fiscalYear;

/** Rewrites one copy of the tags with a conditional write, reading it again when another writer got there first. */
async function refreshCopy<T extends { version: number; tags: ServiceTags }>(
  read: () => Promise<T | null>,
  write: (next: T, expected: number) => Promise<void>,
  tags: ServiceTags,
): Promise<boolean> {
  for (let attempt = 1; ; attempt += 1) {
    const copy = await read();
    if (!copy || sameTags(copy.tags, tags)) return false;
    try {
      await write({ ...copy, tags: { ...tags }, version: copy.version + 1 }, copy.version);
      return true;
    } catch (err) {
      if (!(err instanceof StaleVersionError) || attempt >= COPY_ATTEMPTS) throw err;
    }
  }
}

/**
 * Rules and the budget keep a copy of the service's tags, for their audit records and roll-ups.
 * Each copy that differs from the service's tags is rewritten; one that already matches is left
 * alone, so running this again after a failure part-way finishes what was missed.
 */
async function refreshTagCopies(ports: Ports, name: string, tags: ServiceTags): Promise<string[]> {
  const refreshed: string[] = [];
  for (const rule of (await ports.store.listRules()).filter((r) => r.service === name)) {
    const read = async () => {
      const current = await ports.store.getRule(rule.ruleId);
      return current ? { ...current, tags: current.target.tags } : null;
    };
    const write = ({ tags: next, ...current }: Rule & { tags: ServiceTags }, expected: number) =>
      ports.store.putRule({ ...current, target: { ...current.target, tags: next } }, expected);
    if (await refreshCopy(read, write, tags)) refreshed.push(`rule/${rule.ruleId}`);
  }
  const budgetWrite = (next: Budget, expected: number) => ports.ledger.putBudget(next, expected);
  if (await refreshCopy(() => ports.ledger.getBudget(name), budgetWrite, tags)) refreshed.push(`budget/${name}`);
  return refreshed;
}

/**
 * PATCH /services/{name}: the secrets it reads, its tags or its price, under its version. The
 * service's change is recorded right after its write, before the tag copies follow, so a copy
 * that fails cannot leave a change unrecorded; the copies are brought up to date on every PATCH
 * (a repeat finishes what a failed one missed) and recorded apart when any was rewritten.
 */
export async function updateService(ports: Ports, caller: Caller, name: string, patch: UpdateServiceInput, options: Mutation) {
  const before = await getLiveService(ports, name);
  const merged = mergePatch(before, patch);
  const changed =
    (['secrets', 'podHourUSD'] as const).some((key) => JSON.stringify(merged[key]) !== JSON.stringify(before[key])) || !sameTags(merged.tags, before.tags);
  const after: Service = changed ? { ...merged, version: before.version + 1 } : before;
  if (options.dryRun) return { dryRun: true, wouldUpdate: after, changed };
  if (changed) {
    const plan = {
      action: 'service.update',
      target: `service/${name}`,
      before,
      after,
      outcome: 'success' as const,
      service: after,
      reasons: [`fields changed: ${Object.keys(patch).join(', ')}`],
      probe: { kind: 'state-version' as const, entity: 'service' as const, key: name, version: after.version },
    };
    await recordedChange(ports, caller, plan, () => orConflict(() => ports.store.putService(after, before.version), `service ${name}`, 'name'));
  }
  const refreshed = await refreshTagCopies(ports, name, after.tags);
  if (refreshed.length > 0) {
    await record(ports, caller, {
      action: 'service.tags-copied',
      target: `service/${name}`,
      before: null,
      after: { tags: after.tags, copies: refreshed },
      outcome: 'success',
      service: after,
      reasons: [`tags copied to ${refreshed.join(', ')}`],
    });
  }
  return after;
}
