import { describe, expect, it } from 'vitest';
import { LocalSecretStore } from '#adapters/local/local-secret-store.ts';
import { verifyChain } from '#domain/audit.ts';
import { ROTATION_STEPS, type RotationStep } from '#domain/rotation.ts';
import type { Database } from '#ports/database.ts';
import type { RotationPorts } from '#ports/ports.ts';
import { AWSCURRENT, AWSPENDING } from '#ports/secret-store.ts';
import { setBudget } from '#use-cases/budgets.ts';
import { drainAuditOutbox, probesOf } from '#use-cases/drain-audit-outbox.ts';
import { handleAlarm } from '#use-cases/handle-alarm.ts';
import { scaleService } from '#use-cases/manual-scale.ts';
import { PARTLY_CHANGED_REASON } from '#use-cases/recorded-change.ts';
import { pendingChecks, runRotationStep } from '#use-cases/rotate-secret.ts';
import { rotationProbes } from '#use-cases/rotation-probes.ts';
import { createRule, deleteRule, updateRule } from '#use-cases/rules.ts';
import { updateService } from '#use-cases/service-update.ts';
import { createService } from '#use-cases/services.ts';
import { stateProbes } from '#use-cases/state-probes.ts';
import { readLevel } from '#use-cases/workload-level.ts';
import { type Crash, runMatrix, type Scenario } from './crash-harness.ts';
import { AR_101, ELIGIBILITY_API, PORTAL, seededPorts } from './seeded-ports.ts';

const caller = { actor: 'user/alice', requestId: 'req-crash' };
const GRACE_MS = 15 * 60_000;
const CORE_PORTS = ['store', 'ledger', 'audit', 'auditOutbox', 'cluster', 'metrics'] as const;

type CoreEnv = Awaited<ReturnType<typeof seededPorts>>;

const corePorts = (env: CoreEnv, crash: Crash) => crash.wrapAll(env.ports, CORE_PORTS);
async function recoverCore(env: CoreEnv) {
  env.clock.current = new Date(env.clock.current.getTime() + GRACE_MS + 60_000);
  await drainAuditOutbox(env.ports, { probes: stateProbes(env.ports), graceMs: GRACE_MS });
}
const core = (s: Pick<Scenario<CoreEnv>, 'name' | 'action' | 'run' | 'tookEffect'> & { rule?: boolean }): Scenario<CoreEnv> => ({
  ...s,
  setup: () => seededPorts(caller, { rule: s.rule ?? true }),
  recover: recoverCore,
  records: async (env) => env.ports.audit.records,
  outboxSize: async (env) => env.ports.auditOutbox.items.size,
});
const level = async (env: CoreEnv) => (await readLevel(env.ports, ELIGIBILITY_API)).level;

const CORE_SCENARIOS: Scenario<CoreEnv>[] = [
  core({
    name: 'service create',
    action: 'service.create',
    run: (env, crash) => createService(corePorts(env, crash), caller, PORTAL, { dryRun: false }),
    tookEffect: async (env) => (await env.ports.store.getService(PORTAL.name)) !== null,
  }),
  core({
    name: 'service update',
    action: 'service.update',
    run: (env, crash) => updateService(corePorts(env, crash), caller, ELIGIBILITY_API.name, { podHourUSD: 0.5 }, { dryRun: false }),
    tookEffect: async (env) => (await env.ports.store.getService(ELIGIBILITY_API.name))?.podHourUSD === 0.5,
  }),
  core({
    name: 'budget set',
    action: 'budget.set',
    run: (env, crash) => setBudget(corePorts(env, crash), caller, ELIGIBILITY_API.name, { monthlyUSD: 900 }, { dryRun: false }),
    tookEffect: async (env) => (await env.ports.ledger.getBudget(ELIGIBILITY_API.name))?.monthlyUSD === 900,
  }),
  core({
    name: 'rule create',
    action: 'rule.create',
    rule: false,
    run: (env, crash) => createRule(corePorts(env, crash), caller, AR_101, { dryRun: false }),
    tookEffect: async (env) => (await env.ports.store.getRule('AR-101')) !== null,
  }),
  core({
    name: 'rule update',
    action: 'rule.update',
    run: (env, crash) => updateRule(corePorts(env, crash), caller, 'AR-101', { minReplicas: 6 }, { dryRun: false }),
    tookEffect: async (env) => (await env.ports.store.getRule('AR-101'))?.minReplicas === 6,
  }),
  core({
    name: 'rule delete',
    action: 'rule.delete',
    run: (env, crash) => deleteRule(corePorts(env, crash), caller, 'AR-101', { dryRun: false }),
    tookEffect: async (env) => (await env.ports.store.getRule('AR-101')) === null,
  }),
  core({
    name: 'manual scale',
    action: 'scale.manual',
    run: (env, crash) => scaleService(corePorts(env, crash), caller, ELIGIBILITY_API.name, { replicas: 9 }, { dryRun: false }),
    tookEffect: async (env) => (await level(env)) === 9,
  }),
  core({
    name: 'alarm-driven scale',
    action: 'scale.apply',
    run: (env, crash) =>
      handleAlarm(corePorts(env, crash), caller, {
        eventId: 'e-crash',
        alarmName: 'hms-sys-AR-101-scale-out',
        stateValue: 'ALARM',
        metric: { value: 1_000, periodStart: '2026-11-23T11:59:00.000Z' },
      }),
    tookEffect: async (env) => (await level(env)) === 8,
  }),
];

interface RotationEnv {
  core: CoreEnv;
  ports: RotationPorts;
  arn: string;
  token: string;
}
const ROTATION_PORTS = ['secrets', 'database', 'audit', 'auditOutbox'] as const;

function rotationScenario(step: RotationStep): Scenario<RotationEnv> {
  return {
    name: `rotation ${step}`,
    action: `secret.rotation.${step}`,
    setup: async () => {
      const coreEnv = await seededPorts(caller);
      const secrets = new LocalSecretStore({ clock: coreEnv.clock, onRotate: async () => undefined });
      const ports: RotationPorts = {
        secrets,
        database: {} as Database,
        audit: coreEnv.ports.audit,
        auditOutbox: coreEnv.ports.auditOutbox,
        clock: coreEnv.clock,
      };
      const { arn } = await secrets.create({ name: 'app/token', value: 'first', tags: { 'hms:rotation-strategy': 'random-token' } });
      await secrets.enableRotation(arn, { rotateEvery: '24h' });
      const { versionId: token } = await secrets.rotate(arn, 'tok-1');
      for (const before of ROTATION_STEPS.slice(0, ROTATION_STEPS.indexOf(step)))
        await runRotationStep(ports, { SecretId: arn, ClientRequestToken: token, Step: before }, caller);
      return { core: coreEnv, ports, arn, token };
    },
    run: (env, crash) => runRotationStep(crash.wrapAll(env.ports, ROTATION_PORTS), { SecretId: env.arn, ClientRequestToken: env.token, Step: step }, caller),
    tookEffect: async ({ ports, arn, token }) => {
      const stages = (await ports.secrets.describe(arn)).versions[token] ?? [];
      if (step === 'finishSecret') return stages.includes(AWSCURRENT);
      return ports.secrets.getValue(arn, { versionId: token, stage: AWSPENDING }).then(
        (pending) => pending.value.length > 0,
        () => false,
      );
    },
    recover: async (env) => {
      env.core.clock.current = new Date(env.core.clock.current.getTime() + GRACE_MS + 60_000);
      const probes = probesOf(stateProbes(env.core.ports), rotationProbes(env.ports, pendingChecks(env.ports)));
      await drainAuditOutbox(env.ports, { probes, graceMs: GRACE_MS });
    },
    records: async (env) => env.core.ports.audit.records,
    outboxSize: async (env) => env.core.ports.auditOutbox.items.size,
  };
}

describe('the crash matrix: a change killed at any point between its intent and its record has exactly one record after recovery', () => {
  it.each(CORE_SCENARIOS.map((s) => [s.name, s] as const))('%s', async (_name, scenario) => {
    const outcomes = await runMatrix(scenario);
    // Both sides are reached: a crash between the intent and the state write leaves an intent whose
    // change did not happen; a later one, a change that stood without its record.
    expect(outcomes.slice(1).some((o) => o.endsWith('not'))).toBe(true);
    expect(outcomes.some((o) => o.endsWith('stood'))).toBe(true);
  });

  it.each(ROTATION_STEPS.map((step) => [step, rotationScenario(step)] as const))('rotation step %s', async (step, scenario) => {
    const outcomes = await runMatrix(scenario);
    expect(outcomes.length).toBeGreaterThan(1);
    expect(outcomes.some((o) => o.endsWith('stood'))).toBe(true);
    // createSecret and finishSecret write to Secrets Manager, so a crash after the intent but before that write leaves no change.
    if (step === 'createSecret' || step === 'finishSecret') expect(outcomes.slice(1).some((o) => o.endsWith('not'))).toBe(true);
  });
});

describe('the crash matrix: a change that throws part-way in a process that survives is recorded at once as a failure', () => {
  it('rule delete whose deleteAlarms fails: the rule stays marked deleting, one failure record names the error, the outbox is empty, and the caller gets the error unchanged', async () => {
    const env = await seededPorts(caller, { rule: true });
    const seeded = env.ports.audit.records.length;
    const refused = new Error('CloudWatch refused DeleteAlarms');
    const ports = { ...env.ports, metrics: Object.assign(Object.create(env.ports.metrics), { deleteAlarms: async () => Promise.reject(refused) }) };
    await expect(deleteRule(ports, caller, 'AR-101', { dryRun: false })).rejects.toBe(refused);

    expect((await env.ports.store.getRule('AR-101'))?.deleting).toBe(true);
    const records = () => env.ports.audit.records.slice(seeded).filter((r) => r.action === 'rule.delete');
    expect(records()).toEqual([
      expect.objectContaining({
        outcome: 'failure',
        after: null,
        reasons: expect.arrayContaining(['the change failed: Error: CloudWatch refused DeleteAlarms', PARTLY_CHANGED_REASON]),
        intent: expect.stringMatching(/^[0-9a-f-]{36}$/),
      }),
    ]);
    expect(env.ports.auditOutbox.items.size).toBe(0);

    // Recovery adds nothing, and a repeated DELETE finishes the change with its own record.
    await recoverCore(env);
    expect(records()).toHaveLength(1);
    await deleteRule(env.ports, caller, 'AR-101', { dryRun: false });
    expect(records().map((r) => r.outcome)).toEqual(['failure', 'success']);
    expect(await env.ports.store.getRule('AR-101')).toBeNull();
    expect(verifyChain(env.ports.audit.records.filter((r) => r.stream === records()[0]?.stream))).toBeNull();
  });
});
