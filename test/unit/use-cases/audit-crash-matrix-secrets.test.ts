import { describe, expect, it } from 'vitest';
import { LocalSecretStore } from '#adapters/local/local-secret-store.ts';
import type { Database } from '#ports/database.ts';
import type { SecretsPorts } from '#ports/ports.ts';
import { AWSCURRENT, AWSPENDING } from '#ports/secret-store.ts';
import { drainAuditOutbox } from '#use-cases/drain-audit-outbox.ts';
import { rotationProbes } from '#use-cases/rotation-probes.ts';
import { rotateNow } from '#use-cases/secrets.ts';
import { sweepSecrets } from '#use-cases/sweep-secrets.ts';
import { type Crash, runMatrix, type Scenario } from './crash-harness.ts';
import { MemoryEvents, memoryPorts } from './memory-ports.ts';

/** The crash matrix (audit-crash-matrix.test.ts) for rotations started by the secrets API and by the sweeper. */

const caller = { actor: 'user/alice', requestId: 'req-crash' };
const GRACE_MS = 15 * 60_000;
const DAY = 86_400_000;
const WRAPPED = ['secrets', 'events', 'audit', 'auditOutbox'] as const;

interface Env {
  clock: { current: Date; now(): Date };
  ports: SecretsPorts & { audit: ReturnType<typeof memoryPorts>['ports']['audit']; auditOutbox: ReturnType<typeof memoryPorts>['ports']['auditOutbox'] };
  arn: string;
}

/** A secret under hms-sys rotation; `rotation`: enabled (and `ageDays` later, overdue) or not (its policy tag asks for it). */
async function secretEnv(rotation: boolean, ageDays = 0): Promise<Env> {
  const env = memoryPorts();
  // RotateSecret starts a rotation that runs later, as in AWS: nothing settles it here.
  const secrets = new LocalSecretStore({ clock: env.clock, onRotate: async () => undefined });
  const { arn } = await secrets.create({
    name: 'app/token',
    value: 'first',
    tags: { 'hms:rotation-strategy': 'random-token', 'hms:rotation-policy': '24h' },
  });
  if (rotation) await secrets.enableRotation(arn, { rotateEvery: '24h' });
  env.clock.current = new Date(env.clock.current.getTime() + ageDays * DAY);
  const ports = {
    store: env.ports.store,
    secrets,
    database: {} as Database,
    audit: env.ports.audit,
    auditOutbox: env.ports.auditOutbox,
    events: new MemoryEvents(),
    clock: env.clock,
  };
  return { clock: env.clock, ports, arn };
}

const pendingVersion = async (env: Env) =>
  Object.values((await env.ports.secrets.describe(env.arn)).versions).some((stages) => stages.includes(AWSPENDING) && !stages.includes(AWSCURRENT));

const scenario = (s: Pick<Scenario<Env>, 'name' | 'action' | 'setup' | 'run' | 'tookEffect'>): Scenario<Env> => ({
  ...s,
  recover: async (env) => {
    env.clock.current = new Date(env.clock.current.getTime() + GRACE_MS + 60_000);
    // The sweeper's drain: what Secrets Manager's DescribeSecret shows.
    await drainAuditOutbox(env.ports, { probes: rotationProbes(env.ports), graceMs: GRACE_MS });
  },
  records: async (env) => env.ports.audit.records,
  outboxSize: async (env) => env.ports.auditOutbox.items.size,
});
const wrapped = (env: Env, crash: Crash) => crash.wrapAll(env.ports, WRAPPED);

const SCENARIOS: Scenario<Env>[] = [
  scenario({
    name: 'rotation started by the secrets API',
    action: 'secret.rotate',
    setup: () => secretEnv(true),
    run: (env, crash) => rotateNow(wrapped(env, crash), caller, env.arn),
    tookEffect: pendingVersion,
  }),
  scenario({
    name: 'the sweeper rotates an overdue secret',
    action: 'secret.overdue',
    setup: () => secretEnv(true, 3),
    run: async (env, crash) => {
      const report = await sweepSecrets(wrapped(env, crash), caller);
      expect(report.findings.map((f) => f.action)).toEqual(['rotated']);
    },
    tookEffect: pendingVersion,
  }),
  scenario({
    name: 'the sweeper schedules a secret its policy asks to rotate',
    action: 'secret.unscheduled',
    setup: () => secretEnv(false),
    run: async (env, crash) => {
      const report = await sweepSecrets(wrapped(env, crash), caller);
      expect(report.findings.map((f) => f.action)).toEqual(['scheduled']);
    },
    tookEffect: async (env) => (await env.ports.secrets.describe(env.arn)).rotationEnabled,
  }),
];

describe('the crash matrix, rotations started: killed at any point between intent and record, each has exactly one record after recovery', () => {
  it.each(SCENARIOS.map((s) => [s.name, s] as const))('%s', async (_name, s) => {
    const outcomes = await runMatrix(s);
    expect(outcomes.slice(1).some((o) => o.endsWith('not'))).toBe(true);
    expect(outcomes.some((o) => o.endsWith('stood'))).toBe(true);
  });
});
