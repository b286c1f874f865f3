import { beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, UnprocessableError } from '#domain/errors.ts';
import { createRule } from '#use-cases/rules.ts';
import { deleteService } from '#use-cases/services.ts';
import type { memoryPorts } from './memory-ports.ts';
import { AR_101, seededPorts } from './seeded-ports.ts';

const caller = { actor: 'dev-admin', requestId: 'req-1' };
const rule = AR_101;
let env: ReturnType<typeof memoryPorts>;

beforeEach(async () => {
  env = await seededPorts(caller);
});

describe('deleting a service and creating its rules exclude each other', () => {
  it('a rule created while the service is marked for deletion is refused, and leaves no rule and no alarm', async () => {
    await env.ports.store.markServiceDeleting('eligibility-api', 1);
    await expect(createRule(env.ports, caller, rule, { dryRun: false })).rejects.toBeInstanceOf(UnprocessableError);
    expect(await env.ports.store.listRules()).toEqual([]);
    expect([...env.ports.metrics.alarms.keys()]).toEqual([]);
  });

  it('a delete that finds a rule after marking refuses naming it, and unmarks the service', async () => {
    const { ruleId } = (await createRule(env.ports, caller, rule, { dryRun: false })) as { ruleId: string };
    const refusal = await deleteService(env.ports, caller, 'eligibility-api', { dryRun: false }).catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(ConflictError);
    expect((refusal as Error).message).toContain(ruleId);
    // The message reaches CLI and API users alike: it names the way to cascade for each.
    expect((refusal as Error).message).toContain('hms-sys services delete eligibility-api --cascade');
    expect((refusal as Error).message).toContain('DELETE /services/eligibility-api?cascade=true');
    expect(await env.ports.store.serviceAcceptsRules('eligibility-api')).toBe(true);
  });

  it('a cascade deletes the rules and their alarms, then the service, with an audit record for each', async () => {
    await createRule(env.ports, caller, rule, { dryRun: false });
    await createRule(env.ports, caller, { ...rule, trigger: { metric: 'http_rps', threshold: 900 } }, { dryRun: false });
    expect(await deleteService(env.ports, caller, 'eligibility-api', { dryRun: false, cascade: true })).toEqual({
      deleted: 'eligibility-api',
      rulesDeleted: ['AR-101', 'AR-102'],
    });
    expect(await env.ports.store.getService('eligibility-api')).toBeNull();
    expect(await env.ports.store.listRules()).toEqual([]);
    expect([...env.ports.metrics.alarms.keys()]).toEqual([]);
    expect(env.ports.audit.records.map((r) => r.action).slice(-3)).toEqual(['rule.delete', 'rule.delete', 'service.delete']);
  });
});
