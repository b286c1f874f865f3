import { describe, expect, it } from 'vitest';
import type { MeshOpsPorts } from '#ports/ports.ts';
import { drainAuditOutbox, probesOf } from '#use-cases/drain-audit-outbox.ts';
import { meshObjectProbes } from '#use-cases/mesh/apply-objects.ts';
import { expireDue, runMeshCommand } from '#use-cases/mesh/mesh-expiry.ts';
import { inForce, meshProbes } from '#use-cases/mesh/mesh-records.ts';
import { pauseService, resumeService } from '#use-cases/mesh/pause.ts';
import { Crash } from './crash-harness.ts';
import type { MemoryScheduler } from './memory-ports.ts';
import { firstRouteAnswer, meshPorts, operator, registerSeed } from './mesh-ports.ts';

const controller = { actor: 'role/hms-sys-mesh', requestId: 'tick' };
const WRAPPED = ['mesh', 'meshStore', 'meshScheduler', 'audit', 'auditOutbox'] as const;

async function setup(paused: boolean) {
  const env = meshPorts();
  await registerSeed(env.ports, 'fraud-scanner.yaml');
  if (paused) await pauseService(env.ports, operator, { service: 'fraud-scanner', durationMin: 30, reason: 'maintenance' }, { dryRun: false });
  return env;
}

/** How many port calls a step makes when nothing crashes. */
async function callsOf(paused: boolean, step: (ports: MeshOpsPorts) => Promise<unknown>, before: (env: Awaited<ReturnType<typeof setup>>) => void = () => {}) {
  const env = await setup(paused);
  before(env);
  const crash = new Crash();
  await step(crash.wrapAll(env.ports, WRAPPED));
  return crash.calls.length;
}

/**
 * The invariant the tick restores: a pause in force is answered by the mesh and has its schedule;
 * none otherwise (a schedule left behind is harmless: fired, it finds no pause).
 */
async function expectConsistent(ports: MeshOpsPorts, where: string) {
  const pause = await ports.meshStore.get('pause', 'fraud-scanner');
  const active = pause !== null && inForce(pause, ports.clock.now());
  expect(await firstRouteAnswer(ports, 'fraud-scanner'), where).toBe(active ? '503 Service Paused' : null);
  if (active) expect((ports.meshScheduler as MemoryScheduler).schedules.has('mesh-resume-fraud-scanner'), where).toBe(true);
}

/**
 * The end is recorded as having stood. An end killed before its write and finished by the tick may
 * be recorded by both (the drainer's probe sees the record ended, as with a burst's step retried by
 * the runner's tick): never a failure alone for an end that happened.
 */
const oneSuccess = (outcomes: string[]) =>
  outcomes.some((o) => o === 'success') && outcomes.length <= 2 && outcomes.every((o) => o === 'success' || o === 'failure');

/** The drainer past its grace period, then the audit's records of the action by outcome. */
async function auditedAfterDrain(ports: MeshOpsPorts, action: string) {
  await drainAuditOutbox(ports, { probes: probesOf(meshProbes(ports), meshObjectProbes(ports)), graceMs: 0 });
  expect(await ports.auditOutbox.list(100)).toEqual([]);
  return (ports.audit as unknown as { records: { action: string; outcome: string }[] }).records.filter((r) => r.action === action).map((r) => r.outcome);
}

describe('a pause whose function stops at any point', () => {
  it('is finished or undone by the next tick, and never outlives its end by more than a tick', async () => {
    const pause = (ports: MeshOpsPorts) =>
      pauseService(ports, operator, { service: 'fraud-scanner', durationMin: 30, reason: 'maintenance' }, { dryRun: false });
    const total = await callsOf(false, pause);
    for (let at = 0; at <= total; at += 1) {
      const { ports, clock } = await setup(false);
      await pause(new Crash(at).wrapAll(ports, WRAPPED)).catch(() => undefined);
      const where = `killed before call ${at} of ${total}`;
      await expireDue(ports, controller);
      await expectConsistent(ports, where);
      const stood = (await ports.meshStore.get('pause', 'fraud-scanner')) !== null;
      expect(await auditedAfterDrain(ports, 'mesh.pause'), where).toEqual(stood ? ['success'] : at === 0 ? [] : expect.any(Array));
      clock.current = new Date(clock.current.getTime() + 30 * 60_000);
      await expireDue(ports, controller);
      expect(await firstRouteAnswer(ports, 'fraud-scanner'), `${where}, a tick after its end`).toBeNull();
      expect(await ports.meshStore.list('pause'), where).toEqual([]);
    }
  });

  it('stopped between its record and its apply, is applied by the tick', async () => {
    const { ports } = await setup(false);
    await pauseService(new Crash('mesh.apply').wrapAll(ports, WRAPPED), operator, { service: 'fraud-scanner', durationMin: 30 }, { dryRun: false });
    expect(await ports.meshStore.get('pause', 'fraud-scanner')).not.toBeNull();
    expect(await firstRouteAnswer(ports, 'fraud-scanner')).toBeNull();
    await expireDue(ports, controller);
    expect(await firstRouteAnswer(ports, 'fraud-scanner')).toBe('503 Service Paused');
    expect((ports.meshScheduler as MemoryScheduler).schedules.get('mesh-resume-fraud-scanner')?.at).toEqual(new Date('2026-11-23T12:30:00Z'));
  });

  it('stopped between its apply and its schedule, is scheduled by the tick and ended at its time without the schedule', async () => {
    const { ports, clock } = await setup(false);
    await pauseService(
      new Crash('meshScheduler.scheduleAt').wrapAll(ports, WRAPPED),
      operator,
      { service: 'fraud-scanner', durationMin: 30 },
      { dryRun: false },
    );
    expect(await firstRouteAnswer(ports, 'fraud-scanner')).toBe('503 Service Paused');
    expect((ports.meshScheduler as MemoryScheduler).schedules.size).toBe(0);
    clock.current = new Date('2026-11-23T12:30:00Z');
    await expireDue(ports, controller);
    expect(await firstRouteAnswer(ports, 'fraud-scanner')).toBeNull();
  });
});

describe('a pause’s end whose function stops at any point', () => {
  it('at expiry: the next tick finishes it', async () => {
    const end = (ports: MeshOpsPorts) => runMeshCommand(ports, controller, { action: 'resume', service: 'fraud-scanner', until: '2026-11-23T12:30:00.000Z' });
    const atEnd = (env: Awaited<ReturnType<typeof setup>>) => {
      env.clock.current = new Date('2026-11-23T12:30:00Z');
    };
    const total = await callsOf(true, end, atEnd);
    for (let at = 0; at <= total; at += 1) {
      const env = await setup(true);
      atEnd(env);
      await end(new Crash(at).wrapAll(env.ports, WRAPPED)).catch(() => undefined);
      await expireDue(env.ports, controller);
      const where = `killed before call ${at} of ${total}`;
      expect(await firstRouteAnswer(env.ports, 'fraud-scanner'), where).toBeNull();
      expect(await env.ports.meshStore.list('pause'), where).toEqual([]);
      const outcomes = await auditedAfterDrain(env.ports, 'mesh.pause.expire');
      expect(oneSuccess(outcomes), `${where}: ${outcomes.join(', ')}`).toBe(true);
    }
  });

  it('at a resume: the tick leaves it paused (nothing happened) or finishes the resume, never half of it', async () => {
    const resume = (ports: MeshOpsPorts) => resumeService(ports, operator, 'fraud-scanner');
    const total = await callsOf(true, resume);
    for (let at = 0; at <= total; at += 1) {
      const { ports } = await setup(true);
      await resume(new Crash(at).wrapAll(ports, WRAPPED)).catch(() => undefined);
      await expireDue(ports, controller);
      const where = `killed before call ${at} of ${total}`;
      await expectConsistent(ports, where);
      const resumed = (await ports.meshStore.get('pause', 'fraud-scanner')) === null;
      const outcomes = await auditedAfterDrain(ports, 'mesh.resume');
      expect(resumed ? oneSuccess(outcomes) : outcomes.every((o) => o === 'failure'), `${where}: ${outcomes.join(', ')}`).toBe(true);
    }
  });
});
