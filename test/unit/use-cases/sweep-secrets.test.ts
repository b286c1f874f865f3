import { beforeEach, describe, expect, it } from 'vitest';
import { LocalSecretStore } from '#adapters/local/local-secret-store.ts';
import { ROTATION_STEPS } from '#domain/rotation.ts';
import type { Database } from '#ports/database.ts';
import { AWSCURRENT } from '#ports/secret-store.ts';
import { runRotationStep } from '#use-cases/rotate-secret.ts';
import { sweepSecrets } from '#use-cases/sweep-secrets.ts';
import { MemoryEvents, memoryPorts } from './memory-ports.ts';

const caller = { actor: 'role/hms-sys-sweeper', requestId: 'sweep-1' };
const DAY = 86_400_000;
let now: Date;
const clock = { now: () => now };
let store: LocalSecretStore;
let events: MemoryEvents;
let audit: ReturnType<typeof memoryPorts>['ports']['audit'];

const rotationPorts = () => ({ secrets: store, database: {} as Database, clock });
const tagged = (name: string, policy?: string) => store.create({
  name, value: `${name}-v1`, tags: { 'hms:rotation-strategy': 'random-token', ...(policy ? { 'hms:rotation-policy': policy } : {}) },
});

beforeEach(() => {
  now = new Date('2026-11-23T12:00:00Z');
  store = new LocalSecretStore({ clock });
  store.setOnRotate(async (arn, token) => {
    for (const Step of ROTATION_STEPS) await runRotationStep(rotationPorts(), { SecretId: arn, ClientRequestToken: token, Step });
  });
  events = new MemoryEvents();
  audit = memoryPorts().ports.audit;
});

describe('sweepSecrets', () => {
  it('re-drives a rotation left stuck with AWSPENDING, and starts overdue ones', async () => {
    const stuck = await tagged('app/stuck');
    await store.enableRotation(stuck.arn, { rotateEvery: '24h' });
    store.setOnRotate(async (arn, token) => {
      await runRotationStep(rotationPorts(), { SecretId: arn, ClientRequestToken: token, Step: 'createSecret' });
      throw new Error('crashed after createSecret');
    });
    await expect(store.rotate(stuck.arn, 'stale-token')).rejects.toThrow(/crashed/);
    store.setOnRotate(async (arn, token) => {
      for (const Step of ROTATION_STEPS) await runRotationStep(rotationPorts(), { SecretId: arn, ClientRequestToken: token, Step });
    });
    const fresh = await tagged('app/fresh', '7d');
    await store.enableRotation(fresh.arn, { rotateEvery: '7d' });
    const unscheduled = await tagged('app/unscheduled');
    const invalid = await tagged('app/invalid', '2h');

    now = new Date(now.getTime() + 2 * DAY);
    const report = await sweepSecrets({ secrets: store, events, audit, clock }, caller);

    const health = Object.fromEntries(report.findings.map((f) => [f.secret, [f.health, f.action]]));
    expect(health).toEqual({
      [stuck.arn]: ['stuck', 'rotated'],
      [fresh.arn]: ['ok', 'none'],
      [unscheduled.arn]: ['unscheduled', 'scheduled'],
      [invalid.arn]: ['invalid-policy', 'none'],
    });
    expect((await store.describe(stuck.arn)).versions['stale-token']).toEqual([AWSCURRENT]);
    expect((await store.describe(unscheduled.arn)).rotationEnabled).toBe(true);
    expect(events.published.map((e) => e.detail.health).sort()).toEqual(['invalid-policy', 'stuck', 'unscheduled']);
    expect(audit.records.map((r) => r.action).sort()).toEqual(['secret.invalid-policy', 'secret.stuck', 'secret.unscheduled']);
  });

  it('starts a rotation that is overdue by its policy', async () => {
    const secret = await tagged('app/daily', '24h');
    await store.enableRotation(secret.arn, { rotateEvery: '24h' });
    now = new Date(now.getTime() + 26 * 3_600_000);
    const report = await sweepSecrets({ secrets: store, events, audit, clock }, caller);
    expect(report.findings[0]).toMatchObject({ health: 'overdue', action: 'rotated' });
    expect((await store.getValue(secret.arn)).value).not.toBe('app/daily-v1');
  });

  it('checks many secrets with bounded concurrency', async () => {
    for (let i = 0; i < 60; i++) await tagged(`app/s${i}`);
    let inFlight = 0;
    let peak = 0;
    const describe = store.listByTags.bind(store);
    const slowStore = Object.assign(Object.create(store), {
      listByTags: describe,
      rotate: async () => {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        await new Promise((r) => setTimeout(r, 1));
        inFlight -= 1;
      },
    });
    for (const s of await store.listByTags({})) await store.enableRotation(s.arn, { rotateEvery: '24h' });
    now = new Date(now.getTime() + 3 * DAY);
    const report = await sweepSecrets({ secrets: slowStore, events, audit, clock }, caller, { concurrency: 4 });
    expect(report.checked).toBe(60);
    expect(report.findings.every((f) => f.action === 'rotated')).toBe(true);
    expect(peak).toBeLessThanOrEqual(4);
    expect(peak).toBeGreaterThan(1);
  });
});
