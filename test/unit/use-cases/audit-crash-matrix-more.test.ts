import { describe, expect, it } from 'vitest';
import type { Burst } from '#domain/model.ts';
import { SECRET_VERSION_ANNOTATION } from '#ports/cluster.ts';
import { deleteBudget, setBudget } from '#use-cases/budgets.ts';
import { advanceBurst, tickBursts } from '#use-cases/burst-runner.ts';
import { createBurst } from '#use-cases/bursts.ts';
import { drainAuditOutbox } from '#use-cases/drain-audit-outbox.ts';
import { restartConsumers } from '#use-cases/restart-consumers.ts';
import { restartProbes } from '#use-cases/restart-probes.ts';
import { createService, deleteService } from '#use-cases/services.ts';
import { stateProbes } from '#use-cases/state-probes.ts';
import { Crash, runMatrix, type Scenario } from './crash-harness.ts';
import { ELIGIBILITY_API, PORTAL, seededPorts } from './seeded-ports.ts';

/** The crash matrix (audit-crash-matrix.test.ts) for the further changes that write their intent first. */

const caller = { actor: 'user/alice', requestId: 'req-crash' };
const GRACE_MS = 15 * 60_000;
const PORTS = ['store', 'ledger', 'audit', 'auditOutbox', 'cluster', 'metrics', 'scheduler', 'nodeGroups'] as const;

type Env = Awaited<ReturnType<typeof seededPorts>> & { burstId?: string };

const wrapped = (env: Env, crash: Crash) => crash.wrapAll(env.ports, PORTS);
const scenario = (s: Pick<Scenario<Env>, 'name' | 'action' | 'run' | 'tookEffect'> & { setup: () => Promise<Env>; restarts?: boolean }): Scenario<Env> => ({
  ...s,
  recover: async (env) => {
    env.clock.current = new Date(env.clock.current.getTime() + GRACE_MS + 60_000);
    // The reconciler's drain, or for a restart the consumer restarter's.
    const probes = s.restarts ? restartProbes(env.ports) : stateProbes(env.ports);
    await drainAuditOutbox(env.ports, { probes, graceMs: GRACE_MS });
  },
  records: async (env) => env.ports.audit.records,
  outboxSize: async (env) => env.ports.auditOutbox.items.size,
});

const BURST = { service: 'portal', fromPods: 4, toPods: 40, maxCostPerHourUSD: 100, holdMinutes: 20 };
const burstOf = async (env: Env) => (await env.ports.ledger.getBurst(env.burstId ?? 'BU-1')) as Burst | null;

/** A burst that started now and ramped: its next step, once the pods are Ready, is the hold. */
async function ramping(): Promise<Env> {
  const env: Env = await seededPorts(caller, { service: PORTAL });
  const created = (await createBurst(env.ports, caller, BURST, { dryRun: false })) as Burst;
  expect(created.state).toBe('ramping');
  return { ...env, burstId: created.burstId };
}

const DB_SECRET = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:app/db-AbCdEf';
const restartedTo = async (env: Env) => (await env.ports.cluster.templateAnnotation(ELIGIBILITY_API, SECRET_VERSION_ANNOTATION)) === 'v2';

const SCENARIOS: Scenario<Env>[] = [
  scenario({
    name: 'consumer restart after a rotation',
    action: 'secret.restart',
    restarts: true,
    setup: () => seededPorts(caller, { service: { ...ELIGIBILITY_API, secrets: [DB_SECRET] } }),
    run: (env, crash) =>
      restartConsumers(wrapped(env, crash), caller, { secret: DB_SECRET, versionId: 'v2' }, { maxConcurrent: 5, sleep: async () => undefined }),
    tookEffect: restartedTo,
  }),
  scenario({
    name: 'service delete',
    action: 'service.delete',
    setup: () => seededPorts(caller),
    run: (env, crash) => deleteService(wrapped(env, crash), caller, ELIGIBILITY_API.name, { dryRun: false }),
    tookEffect: async (env) => (await env.ports.store.getService(ELIGIBILITY_API.name)) === null,
  }),
  scenario({
    name: 'budget removal',
    action: 'budget.delete',
    setup: async () => {
      const env = await seededPorts(caller);
      await setBudget(env.ports, caller, ELIGIBILITY_API.name, { monthlyUSD: 900 }, { dryRun: false });
      return env;
    },
    run: (env, crash) => deleteBudget(wrapped(env, crash), caller, ELIGIBILITY_API.name, { dryRun: false }),
    tookEffect: async (env) => (await env.ports.ledger.getBudget(ELIGIBILITY_API.name)) === null,
  }),
  scenario({
    name: 'burst create (scheduled for later)',
    action: 'burst.create',
    setup: () => seededPorts(caller, { service: PORTAL }),
    run: (env, crash) => createBurst(wrapped(env, crash), caller, { ...BURST, startAt: '2026-11-23T18:00:00.000Z' } as never, { dryRun: false }),
    tookEffect: async (env) => (await burstOf(env)) !== null,
  }),
  scenario({
    name: 'burst step (ramp to hold)',
    action: 'burst.hold',
    setup: ramping,
    run: (env, crash) => advanceBurst(wrapped(env, crash), caller, env.burstId!),
    tookEffect: async (env) => (await burstOf(env))?.state === 'holding',
  }),
];

describe('the crash matrix, further changes: killed at any point between intent and record, each has exactly one record after recovery', () => {
  it.each(SCENARIOS.map((s) => [s.name, s] as const))('%s', async (_name, s) => {
    const outcomes = await runMatrix(s);
    expect(outcomes.slice(1).some((o) => o.endsWith('not'))).toBe(true);
    expect(outcomes.some((o) => o.endsWith('stood'))).toBe(true);
  });

  it('a service deleted and made anew before the drainer runs still has its delete recorded as a success', async () => {
    const env = await seededPorts(caller);
    await deleteService(new Crash('audit.append').wrapAll(env.ports, PORTS), caller, ELIGIBILITY_API.name, {
      dryRun: false,
    }).catch(() => undefined);
    env.clock.current = new Date(env.clock.current.getTime() + 1_000);
    await createService(env.ports, caller, ELIGIBILITY_API, { dryRun: false });
    env.clock.current = new Date(env.clock.current.getTime() + GRACE_MS + 60_000);
    await drainAuditOutbox(env.ports, { probes: stateProbes(env.ports), graceMs: GRACE_MS });
    const deletes = env.ports.audit.records.filter((r) => r.action === 'service.delete');
    expect(deletes.map((r) => r.outcome)).toEqual(['success']);
  });

  it('a burst whose runner stopped after a step is moved on by the tick, and the step keeps its one record', async () => {
    const env = await ramping();
    await advanceBurst(new Crash('audit.append').wrapAll(env.ports, PORTS), caller, env.burstId!).catch(() => undefined);
    env.clock.current = new Date(env.clock.current.getTime() + GRACE_MS + 60_000);
    await drainAuditOutbox(env.ports, { probes: stateProbes(env.ports), graceMs: GRACE_MS });
    env.clock.current = new Date(env.clock.current.getTime() + BURST.holdMinutes * 60_000);
    await tickBursts(env.ports, caller);
    const actions = env.ports.audit.records.filter((r) => r.target === `burst/${env.burstId}`).map((r) => `${r.action}:${r.outcome}`);
    expect(actions).toEqual(['burst.create:success', 'burst.ramp:success', 'burst.hold:success', 'burst.scale-back:success', 'burst.done:success']);
  });
});
