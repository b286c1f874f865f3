import { beforeEach, describe, expect, it } from 'vitest';
import { LocalSecretStore } from '#adapters/local/local-secret-store.ts';
import { ROTATION_STEPS } from '#domain/rotation.ts';
import type { Database } from '#ports/database.ts';
import { RotationInProgressError } from '#ports/errors.ts';
import { AWSCURRENT, AWSPENDING, type SecretStore } from '#ports/secret-store.ts';
import { runRotationStep } from '#use-cases/rotate-secret.ts';
import { DEFAULT_GRACE_MINUTES, DEFAULT_STUCK_AFTER_MINUTES, sweepSecrets } from '#use-cases/sweep-secrets.ts';
import { MemoryAuditOutbox } from './memory-outbox.ts';
import { MemoryEvents, memoryPorts } from './memory-ports.ts';
import { MemoryAudit } from './memory-stores.ts';

const caller = { actor: 'role/hms-sys-sweeper', requestId: 'sweep-1' };
const MINUTE = 60_000;
const DAY = 86_400_000;
let now: Date;
const clock = { now: () => now };
let store: LocalSecretStore;
let events: MemoryEvents;
let audit: ReturnType<typeof memoryPorts>['ports']['audit'];

/** The rotation function's own ports: its step records go to a log of their own, apart from the sweeper's. */
const rotationPorts = () => ({ secrets: store, database: {} as Database, audit: new MemoryAudit(), auditOutbox: new MemoryAuditOutbox(), clock });
const ROTATION_CALLER = { actor: 'role/hms-sys-rotation', requestId: 'rotation' };
const rotateFully = async (arn: string, token: string) => {
  for (const Step of ROTATION_STEPS) await runRotationStep(rotationPorts(), { SecretId: arn, ClientRequestToken: token, Step }, ROTATION_CALLER);
};
const tagged = (name: string, policy?: string) =>
  store.create({
    name,
    value: `${name}-v1`,
    tags: { 'hms:rotation-strategy': 'random-token', ...(policy ? { 'hms:rotation-policy': policy } : {}) },
  });
const sweep = (secrets: SecretStore = store, options = {}) =>
  sweepSecrets({ secrets, events, audit, auditOutbox: new MemoryAuditOutbox(), clock }, caller, options);
const later = (minutes: number) => {
  now = new Date(now.getTime() + minutes * MINUTE);
};

/** The store, with RotateSecret answered by `rotate`. */
function rotatingWith(rotate: SecretStore['rotate']): SecretStore {
  const methods = ['describe', 'getValue', 'putValue', 'updateStage', 'randomPassword', 'listVersions', 'schedule', 'listByTags', 'create', 'delete'] as const;
  return { ...Object.fromEntries(methods.map((m) => [m, (store[m] as (...a: unknown[]) => unknown).bind(store)])), rotate } as SecretStore;
}

/** A rotation that crashed after createSecret, as a timed-out rotation function leaves it: AWSPENDING on `token`. */
async function wedged(name: string, token: string) {
  const secret = await tagged(name);
  await store.enableRotation(secret.arn, { rotateEvery: '24h' });
  store.setOnRotate(async (arn, t) => {
    await runRotationStep(rotationPorts(), { SecretId: arn, ClientRequestToken: t, Step: 'createSecret' }, ROTATION_CALLER);
    throw new Error('crashed after createSecret');
  });
  await store.rotate(secret.arn, token);
  await expect(store.settled()).rejects.toThrow(/crashed/);
  store.setOnRotate(rotateFully);
  return secret;
}

beforeEach(() => {
  now = new Date('2026-11-23T12:00:00Z');
  store = new LocalSecretStore({ clock, onRotate: rotateFully });
  events = new MemoryEvents();
  audit = memoryPorts().ports.audit;
});

describe('a pending rotation', () => {
  it('is in progress, and left to Secrets Manager, while its AWSPENDING version is younger than the threshold', async () => {
    const secret = await wedged('app/busy', 'young-token');
    later(DEFAULT_STUCK_AFTER_MINUTES - 1);

    const report = await sweep();
    expect(report.findings).toEqual([
      expect.objectContaining({ health: 'rotating', action: 'none', detail: expect.stringContaining('young-token has been AWSPENDING for 119 min') }),
    ]);
    expect((await store.describe(secret.arn)).versions['young-token']).toEqual([AWSPENDING]);
    expect(events.published).toEqual([]);
    expect(audit.records).toEqual([]);
  });

  it('is stuck once older than the threshold: AWSPENDING comes off the stale version and a new rotation, with a new token, completes', async () => {
    const secret = await wedged('app/stuck', 'stale-token');
    later(DEFAULT_STUCK_AFTER_MINUTES + 1);

    const report = await sweep();
    await store.settled();
    const finding = report.findings[0]!;
    expect(finding).toMatchObject({ health: 'stuck', action: 'rotated' });
    const versions = (await store.describe(secret.arn)).versions;
    const current = Object.entries(versions).find(([, stages]) => stages.includes(AWSCURRENT))![0];
    expect(current).not.toBe('stale-token');
    expect(versions['stale-token']).toBeUndefined();
    expect(finding.detail).toContain(`took AWSPENDING off stale-token and started rotation ${current}`);
    expect(audit.records).toEqual([expect.objectContaining({ action: 'secret.stuck', outcome: 'success', intent: expect.stringMatching(/^[0-9a-f-]{36}$/) })]);
    expect(events.published.map((e) => e.detail.health)).toEqual(['stuck']);
  });

  it("counts a rotation a younger version started meanwhile as Secrets Manager's to retry, not as a failed retry", async () => {
    const secret = await wedged('app/raced', 'stale-token');
    later(DEFAULT_STUCK_AFTER_MINUTES + 1);
    // Between the label's removal and RotateSecret, a scheduled rotation put AWSPENDING on a younger version.
    const racing = rotatingWith(async () => {
      throw new RotationInProgressError("A previous rotation isn't complete", 'younger-token');
    });

    const report = await sweep(racing);
    expect(report.findings[0]).toMatchObject({
      health: 'stuck',
      action: 'left-to-secrets-manager',
      detail: expect.stringContaining('younger-token is AWSPENDING'),
    });
    expect((await store.describe(secret.arn)).versions['stale-token']).toBeUndefined();
    // The sweeper's own RotateSecret was refused: its one record says so, naming the error, under the intent it wrote first.
    expect(audit.records).toEqual([
      expect.objectContaining({
        action: 'secret.stuck',
        outcome: 'failure',
        reasons: expect.arrayContaining([expect.stringContaining('RotationInProgressError')]),
      }),
    ]);
    expect(audit.records[0]?.intent).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('reports a RotateSecret that fails otherwise as a failed retry', async () => {
    await wedged('app/broken', 'stale-token');
    later(DEFAULT_STUCK_AFTER_MINUTES + 1);
    const failing = rotatingWith(async () => {
      throw new Error('AccessDeniedException');
    });

    const report = await sweep(failing);
    expect(report.findings[0]).toMatchObject({ health: 'stuck', action: 'retry-failed', detail: expect.stringContaining('AccessDeniedException') });
    expect(audit.records).toEqual([expect.objectContaining({ outcome: 'failure' })]);
  });
});

describe('an overdue rotation', () => {
  it('is judged by NextRotationDate, the close of the window, plus the grace period, not by a period after the last rotation', async () => {
    const secret = await tagged('app/daily', '24h');
    await store.enableRotation(secret.arn, { rotateEvery: '24h' });
    await store.recordRotation(secret.arn, now);
    // rate(1 day) after 2026-11-23T12:00: any time on 2026-11-24 (UTC), so NextRotationDate is 2026-11-25T00:00.
    expect((await store.describe(secret.arn)).nextRotationAt).toBe('2026-11-25T00:00:00.000Z');

    now = new Date('2026-11-24T13:30:00Z'); // a day and 90 minutes on: overdue by the old rule, not by the schedule
    expect((await sweep()).findings[0]).toMatchObject({ health: 'ok', action: 'none', detail: expect.stringContaining('2026-11-25T00:00:00.000Z') });
    now = new Date(Date.parse('2026-11-25T00:00:00Z') + DEFAULT_GRACE_MINUTES * MINUTE);
    expect((await sweep()).findings[0]).toMatchObject({ health: 'ok' });
    expect((await store.getValue(secret.arn)).value).toBe('app/daily-v1');

    later(1);
    const report = await sweep();
    expect(report.findings[0]).toMatchObject({
      health: 'overdue',
      action: 'rotated',
      detail: expect.stringContaining('not rotated by 2026-11-25T00:00:00.000Z'),
    });
    await store.settled();
    expect((await store.getValue(secret.arn)).value).not.toBe('app/daily-v1');
    // Rotated at 01:01 on the 25th: the next window is the whole of the 26th.
    expect((await store.describe(secret.arn)).nextRotationAt).toBe('2026-11-27T00:00:00.000Z');
  });

  it('takes a grace period given in the options', async () => {
    const secret = await tagged('app/strict', '24h');
    await store.enableRotation(secret.arn, { rotateEvery: '24h' });
    now = new Date('2026-11-25T00:10:00Z');
    expect((await sweep(store, { graceMinutes: 5 })).findings[0]).toMatchObject({ health: 'overdue', action: 'rotated' });
  });
});

describe('sweepSecrets', () => {
  it('schedules a secret whose policy asks for rotation, and reports an invalid policy', async () => {
    const unscheduled = await tagged('app/unscheduled');
    const invalid = await tagged('app/invalid', '2h');

    const report = await sweep();
    const health = Object.fromEntries(report.findings.map((f) => [f.secret, [f.health, f.action]]));
    expect(health).toEqual({ [unscheduled.arn]: ['unscheduled', 'scheduled'], [invalid.arn]: ['invalid-policy', 'none'] });
    expect((await store.describe(unscheduled.arn)).rotationEnabled).toBe(true);
    expect(events.published.map((e) => e.detail.health).sort()).toEqual(['invalid-policy', 'unscheduled']);
    expect(audit.records.map((r) => r.action).sort()).toEqual(['secret.invalid-policy', 'secret.unscheduled']);
  });

  it('checks many secrets with bounded concurrency', async () => {
    for (let i = 0; i < 60; i++) await tagged(`app/s${i}`);
    let inFlight = 0;
    let peak = 0;
    const slowStore = rotatingWith(async () => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 1));
      inFlight -= 1;
      return { versionId: 'v' };
    });
    for (const s of await store.listByTags({})) await store.enableRotation(s.arn, { rotateEvery: '24h' });
    now = new Date(now.getTime() + 3 * DAY);
    const report = await sweep(slowStore, { concurrency: 4 });
    expect(report.checked).toBe(60);
    expect(report.findings.every((f) => f.action === 'rotated')).toBe(true);
    expect(peak).toBeLessThanOrEqual(4);
    expect(peak).toBeGreaterThan(1);
  });
});
