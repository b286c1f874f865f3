import { beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError } from '#domain/errors.ts';
import type { Service } from '#domain/model.ts';
import type { UpdateServiceInput } from '#domain/schemas.ts';
import { setBudget } from '#use-cases/budgets.ts';
import { createRule } from '#use-cases/rules.ts';
import { updateService } from '#use-cases/service-update.ts';
import type { memoryPorts } from './memory-ports.ts';
import { AR_101, ELIGIBILITY_API, seededPorts } from './seeded-ports.ts';

const caller = { actor: 'dev-admin', requestId: 'req-1' };
const SECRET = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:benefits/eligibility-db-AbCdEf';
const OTHER = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:benefits/api-key-GhIjKl';
const live = { dryRun: false };
let env: ReturnType<typeof memoryPorts>;
/** A real (not dry-run) edit, answering the service as stored. */
const edit = async (name: string, patch: UpdateServiceInput) => (await updateService(env.ports, caller, name, patch, live)) as Service;

beforeEach(async () => {
  env = await seededPorts(caller, { service: { ...ELIGIBILITY_API, secrets: [SECRET], podHourUSD: 0.05 } });
});

describe("updateService, a JSON merge patch under the service's version", () => {
  it('replaces the secrets list, merges tags key by key and bumps the version', async () => {
    const after = await edit('eligibility-api', { secrets: [SECRET, OTHER], tags: { fiscalYear: 'FY2027' } });
    expect(after.secrets).toEqual([SECRET, OTHER]);
    expect(after.tags).toEqual({ agency: 'ED', program: 'FSA', fiscalYear: 'FY2027' });
    expect(after.version).toBe(2);
    expect(await env.ports.store.getService('eligibility-api')).toEqual(after);
  });

  it('removes an optional field given null, and keeps the rest', async () => {
    const after = await edit('eligibility-api', { secrets: null, podHourUSD: null });
    expect(after).not.toHaveProperty('secrets');
    expect(after).not.toHaveProperty('podHourUSD');
    expect(after.deployment).toBe('eligibility-api');
  });

  it('records one service.update audit record with before and after', async () => {
    await updateService(env.ports, caller, 'eligibility-api', { secrets: [OTHER] }, live);
    const records = env.ports.audit.records.filter((r) => r.action === 'service.update');
    expect(records).toHaveLength(1);
    expect((records[0]!.before as { secrets: string[] }).secrets).toEqual([SECRET]);
    expect((records[0]!.after as { secrets: string[] }).secrets).toEqual([OTHER]);
    expect(records[0]!.reasons[0]).toBe('fields changed: secrets');
  });

  it('changes nothing on a dry run', async () => {
    const answer = await updateService(env.ports, caller, 'eligibility-api', { secrets: [OTHER] }, { dryRun: true });
    expect(answer).toMatchObject({ dryRun: true, changed: true, wouldUpdate: { secrets: [OTHER], version: 2 } });
    expect((await env.ports.store.getService('eligibility-api'))!.secrets).toEqual([SECRET]);
    expect(env.ports.audit.records.filter((r) => r.action === 'service.update')).toHaveLength(0);
  });

  it('writes and records nothing when the patch changes nothing', async () => {
    const after = await edit('eligibility-api', { secrets: [SECRET] });
    expect(after.version).toBe(1);
    expect(env.ports.audit.records.filter((r) => r.action === 'service.update')).toHaveLength(0);
  });

  it('loses to a concurrent edit with a conflict, writing nothing', async () => {
    const store = env.ports.store;
    const putService = store.putService;
    // Another request writes between this one's read and its write.
    store.putService = async (service, expected) => {
      const current = (await store.getService(service.name))!;
      await putService({ ...current, podHourUSD: 0.07, version: current.version + 1 }, current.version);
      store.putService = putService;
      return putService(service, expected);
    };
    await expect(updateService(env.ports, caller, 'eligibility-api', { secrets: [OTHER] }, live)).rejects.toBeInstanceOf(ConflictError);
    expect((await store.getService('eligibility-api'))!).toMatchObject({ secrets: [SECRET], podHourUSD: 0.07, version: 2 });
  });

  it('answers not found for an unknown service', async () => {
    await expect(updateService(env.ports, caller, 'nosuch', { secrets: [OTHER] }, live)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('carries new tags to the copies its rules and budget keep', async () => {
    await createRule(env.ports, caller, AR_101, live);
    await setBudget(env.ports, caller, 'eligibility-api', { monthlyUSD: 100 }, live);
    await updateService(env.ports, caller, 'eligibility-api', { tags: { program: 'StudentAid' } }, live);
    const tags = { agency: 'ED', program: 'StudentAid', fiscalYear: 'FY2026' };
    expect((await env.ports.store.getRule('AR-101'))!.target.tags).toEqual(tags);
    expect((await env.ports.ledger.getBudget('eligibility-api'))!.tags).toEqual(tags);
    const actions = env.ports.audit.records.filter((r) => r.action.startsWith('service.')).map((r) => [r.action, r.reasons]);
    expect(actions).toContainEqual(['service.update', ['fields changed: tags']]);
    expect(actions).toContainEqual(['service.tags-copied', ['tags copied to rule/AR-101, budget/eligibility-api']]);
  });

  /** A rule, then a tag edit whose copy to that rule fails (the store refuses rule writes once). */
  async function tagEditMissingTheRuleCopy() {
    await createRule(env.ports, caller, AR_101, live);
    const putRule = env.ports.store.putRule;
    env.ports.store.putRule = async () => {
      throw new Error('DynamoDB unavailable');
    };
    await expect(updateService(env.ports, caller, 'eligibility-api', { tags: { agency: 'DOE' } }, live)).rejects.toThrow('DynamoDB unavailable');
    env.ports.store.putRule = putRule;
  }

  it('records the service change even when copying its tags fails, and a later PATCH of anything copies them', async () => {
    await tagEditMissingTheRuleCopy();
    const updates = () => env.ports.audit.records.filter((r) => r.action === 'service.update');
    expect(updates()).toHaveLength(1);
    expect(updates()[0]!.after).toMatchObject({ tags: { agency: 'DOE' }, version: 2 });
    // A PATCH that changes nothing of the service still brings the missed copy up to date, and says so.
    const again = await edit('eligibility-api', { secrets: [SECRET] });
    expect(again.version).toBe(2);
    expect((await env.ports.store.getRule('AR-101'))!.target.tags.agency).toBe('DOE');
    expect(updates()).toHaveLength(1);
    expect(env.ports.audit.records.filter((r) => r.action === 'service.tags-copied').map((r) => r.reasons)).toEqual([['tags copied to rule/AR-101']]);
  });

  it('brings a copy it missed up to date when the same patch is repeated', async () => {
    await tagEditMissingTheRuleCopy();
    const again = await edit('eligibility-api', { tags: { agency: 'DOE' } });
    expect(again.version).toBe(2);
    expect((await env.ports.store.getRule('AR-101'))!.target.tags.agency).toBe('DOE');
  });
});
