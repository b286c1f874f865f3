import { beforeEach, describe, expect, it } from 'vitest';
import { restoreRuleAlarms } from '#use-cases/restore-alarms.ts';
import { ruleStatus } from '#use-cases/rule-status.ts';
import { createRule, updateRule } from '#use-cases/rules.ts';
import { createService } from '#use-cases/services.ts';
import { memoryPorts } from './memory-ports.ts';
import { ELIGIBILITY_API } from './seeded-ports.ts';

const caller = { actor: 'dev-admin', requestId: 'req-1' };
let env: ReturnType<typeof memoryPorts>;

const register = (name: string) => createService(env.ports, caller, { ...ELIGIBILITY_API, name, deployment: name }, { dryRun: false });

beforeEach(async () => {
  env = memoryPorts();
  await register('eligibility-api');
  await createRule(
    env.ports,
    caller,
    {
      service: 'eligibility-api',
      minReplicas: 4,
      maxReplicas: 20,
      trigger: { metric: 'http_rps', threshold: 500 },
      scaleInThreshold: 200,
    },
    { dryRun: false },
  );
});

describe('restoreRuleAlarms, for an alarm store that lost its alarms', () => {
  it("puts every rule's alarms again exactly as the API created them", async () => {
    const created = structuredClone([...env.ports.metrics.alarms.values()]);
    expect(created.map((a) => a.name)).toEqual(['hms-sys-AR-101-scale-out', 'hms-sys-AR-101-scale-in']);
    env.ports.metrics.alarms.clear();

    expect(await restoreRuleAlarms(env.ports)).toEqual({ restored: ['AR-101'], skipped: [], failed: [] });
    expect([...env.ports.metrics.alarms.values()]).toEqual(created);
  });

  it("follows an edit: the restored alarms carry the rule's current thresholds", async () => {
    await updateRule(env.ports, caller, 'AR-101', { trigger: { metric: 'http_rps', threshold: 800 } }, { dryRun: false });
    const edited = structuredClone(env.ports.metrics.alarms.get('hms-sys-AR-101-scale-out'));
    env.ports.metrics.alarms.clear();
    await restoreRuleAlarms(env.ports);
    expect(env.ports.metrics.alarms.get('hms-sys-AR-101-scale-out')).toEqual(edited);
    expect(edited?.threshold).toBe(800);
  });

  it('leaves alone a rule being deleted, and names a rule whose service is gone', async () => {
    await register('other-api');
    await createRule(
      env.ports,
      caller,
      { service: 'other-api', minReplicas: 1, maxReplicas: 3, trigger: { metric: 'http_rps', threshold: 100 } },
      { dryRun: false },
    );
    const rule102 = (await env.ports.store.getRule('AR-102'))!;
    await env.ports.store.putRule({ ...rule102, deleting: true, version: rule102.version + 1 }, rule102.version);
    const rule101 = (await env.ports.store.getRule('AR-101'))!;
    await env.ports.store.putRule({ ...rule101, service: 'gone-api', version: rule101.version + 1 }, rule101.version);
    env.ports.metrics.alarms.clear();

    expect(await restoreRuleAlarms(env.ports)).toEqual({
      restored: [],
      skipped: [
        { ruleId: 'AR-101', reason: 'service gone-api is not registered' },
        { ruleId: 'AR-102', reason: 'the rule is being deleted' },
      ],
      failed: [],
    });
    expect(env.ports.metrics.alarms.size).toBe(0);
  });
});

describe('ruleStatus', () => {
  it('reports an alarm that does not exist as missing, never as OK', async () => {
    env.ports.metrics.alarms.delete('hms-sys-AR-101-scale-in');
    const status = await ruleStatus(env.ports, 'AR-101');
    expect(status.alarms).toEqual([
      { name: 'hms-sys-AR-101-scale-out', state: 'OK' },
      { name: 'hms-sys-AR-101-scale-in', state: 'missing' },
    ]);
    expect(status.state).toBe('missing');
  });

  it('reports OK and ALARM for alarms that exist', async () => {
    expect((await ruleStatus(env.ports, 'AR-101')).state).toBe('OK');
    env.ports.metrics.inAlarm = ['hms-sys-AR-101-scale-out'];
    const status = await ruleStatus(env.ports, 'AR-101');
    expect(status.state).toBe('ALARM');
    expect(status.alarms.map((a) => a.state)).toEqual(['ALARM', 'OK']);
  });

  it('reports alarms lost from the alarm store as missing until a restore puts them back', async () => {
    env.ports.metrics.alarms.clear();
    expect((await ruleStatus(env.ports, 'AR-101')).alarms.map((a) => a.state)).toEqual(['missing', 'missing']);
    await restoreRuleAlarms(env.ports);
    expect((await ruleStatus(env.ports, 'AR-101')).alarms.map((a) => a.state)).toEqual(['OK', 'OK']);
  });
});
