import { beforeEach, describe, expect, it } from 'vitest';
import { UnprocessableError, ValidationError } from '#domain/errors.ts';
import { expireDue, runMeshCommand } from '#use-cases/mesh/mesh-expiry.ts';
import { listPauses, pauseService, resumeService } from '#use-cases/mesh/pause.ts';
import type { MemoryScheduler } from './memory-ports.ts';
import { firstRouteAnswer, MESH_CLUSTER, meshPorts, operator, registerSeed, virtualService } from './mesh-ports.ts';

let ports: ReturnType<typeof meshPorts>['ports'];
let clock: ReturnType<typeof meshPorts>['clock'];
const controller = { actor: 'role/hms-sys-mesh', requestId: 'tick-1' };
const minutes = (n: number) => {
  clock.current = new Date(clock.current.getTime() + n * 60_000);
};
const schedules = () => (ports.meshScheduler as MemoryScheduler).schedules;
const deployment = () => ports.mesh.get(MESH_CLUSTER, { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'default', name: 'fraud-scanner' });

beforeEach(async () => {
  ({ ports, clock } = meshPorts());
  await registerSeed(ports, 'fraud-scanner.yaml');
});

describe('pausing a service (chapter 7)', () => {
  it('puts a first route answering 503 Service Paused, touches no pod template, and schedules its end', async () => {
    const before = await deployment();
    const answer = await pauseService(ports, operator, { service: 'fraud-scanner', durationMin: 30, reason: 'IRS maintenance' }, { dryRun: false });

    expect(await firstRouteAnswer(ports, 'fraud-scanner')).toBe('503 Service Paused');
    expect('pause' in answer && answer.pause.until).toBe('2026-11-23T12:30:00.000Z');
    expect((await deployment())?.metadata.resourceVersion).toBe(before?.metadata.resourceVersion);
    expect(schedules().get('mesh-resume-fraud-scanner')).toEqual({
      at: new Date('2026-11-23T12:30:00.000Z'),
      payload: { action: 'resume', service: 'fraud-scanner', until: '2026-11-23T12:30:00.000Z' },
    });
    const record = ports.audit.records.find((r) => r.action === 'mesh.pause');
    expect(record?.actor).toBe('user/ops@irs.gov');
    expect(record?.reasons[0]).toContain('IRS maintenance');
    expect(await ports.auditOutbox.list(10)).toEqual([]);
    // The answer and the audit say what the pause does not stop: the route applies inside the mesh only.
    expect('reasons' in answer && answer.reasons.join('\n')).toMatch(/callers in the mesh .* get 503 "Service Paused"/);
    expect('reasons' in answer && answer.reasons.join('\n')).toMatch(
      /ingress gateway bound by a VirtualService of your own.*callers outside the mesh.*ambient mode without a waypoint/,
    );
    expect(record?.reasons.join('\n')).toMatch(/callers outside the mesh/);
  });

  it.each([0, 10_081, 1.5, -3])('refuses durationMin %s naming durationMin, and writes nothing', async (durationMin) => {
    const attempt = pauseService(ports, operator, { service: 'fraud-scanner', durationMin }, { dryRun: false });
    await expect(attempt).rejects.toBeInstanceOf(ValidationError);
    await expect(attempt).rejects.toMatchObject({ field: 'durationMin' });
    expect(await ports.meshStore.list('pause')).toEqual([]);
    expect(await firstRouteAnswer(ports, 'fraud-scanner')).toBeNull();
  });

  it('refuses a service that is not in the mesh with 422 not_in_mesh naming service', async () => {
    const attempt = pauseService(ports, operator, { service: 'nobody', durationMin: 5 }, { dryRun: false });
    await expect(attempt).rejects.toBeInstanceOf(UnprocessableError);
    await expect(attempt).rejects.toMatchObject({ code: 'not_in_mesh', field: 'service' });
  });

  it('shows on a dry run the VirtualService that would change, and changes nothing', async () => {
    const answer = await pauseService(ports, operator, { service: 'fraud-scanner', durationMin: 30 }, { dryRun: true });

    expect(answer).toMatchObject({ dryRun: true, wouldPause: { service: 'fraud-scanner', until: '2026-11-23T12:30:00.000Z' } });
    const change = answer.objects.find((o) => o.ref.kind === 'VirtualService');
    expect(change?.action).toBe('configured');
    const spec = change?.object?.spec as { http: { directResponse?: unknown }[] } | undefined;
    expect(spec?.http[0]?.directResponse).toEqual({ status: 503, body: { string: 'Service Paused' } });
    expect(await ports.meshStore.list('pause')).toEqual([]);
    expect(await firstRouteAnswer(ports, 'fraud-scanner')).toBeNull();
    expect(schedules().size).toBe(0);
  });

  it('diffs a dry run against the live objects: a paused service would change nothing; pause and resume say their routes in words', async () => {
    const paused = await pauseService(ports, operator, { service: 'fraud-scanner', durationMin: 30 }, { dryRun: false });
    expect('objects' in paused && paused.objects.filter((o) => o.action !== 'unchanged').map((o) => [o.ref.kind, o.diff])).toEqual([
      ['VirtualService', ['http routes: default -> pause, default']],
    ]);

    const again = await pauseService(ports, operator, { service: 'fraud-scanner', durationMin: 60 }, { dryRun: true });
    expect(again.objects).toEqual([]);

    const resumed = await resumeService(ports, operator, 'fraud-scanner', { dryRun: false });
    expect('objects' in resumed && resumed.objects.filter((o) => o.action !== 'unchanged').map((o) => [o.ref.kind, o.diff])).toEqual([
      ['VirtualService', ['http routes: pause, default -> default']],
    ]);
  });

  it('moves the end of a pause already in force', async () => {
    await pauseService(ports, operator, { service: 'fraud-scanner', durationMin: 30 }, { dryRun: false });
    minutes(10);
    await pauseService(ports, operator, { service: 'fraud-scanner', durationMin: 60 }, { dryRun: false });
    expect((await listPauses(ports)).map((p) => p.until)).toEqual(['2026-11-23T13:10:00.000Z']);
    expect(schedules().get('mesh-resume-fraud-scanner')?.at).toEqual(new Date('2026-11-23T13:10:00.000Z'));
    expect(ports.audit.records.map((r) => r.action)).toContain('mesh.pause.extend');
  });
});

describe('ending a pause', () => {
  beforeEach(async () => {
    await pauseService(ports, operator, { service: 'fraud-scanner', durationMin: 30 }, { dryRun: false });
  });

  it('resumes at request: the route goes, the record and the schedule too, audited with who', async () => {
    const answer = await resumeService(ports, { actor: 'user/lead@irs.gov', requestId: 'req-2' }, 'fraud-scanner');
    expect(answer.resumed).toBe('fraud-scanner');
    expect(await firstRouteAnswer(ports, 'fraud-scanner')).toBeNull();
    expect(await ports.meshStore.list('pause')).toEqual([]);
    expect(schedules().has('mesh-resume-fraud-scanner')).toBe(false);
    const record = ports.audit.records.find((r) => r.action === 'mesh.resume');
    expect(record?.actor).toBe('user/lead@irs.gov');
    expect(record?.reasons.join(' ')).toContain('(no reason given)');
  });

  it('records the reason given to a resume as the audit record’s why', async () => {
    await resumeService(ports, { actor: 'user/lead@irs.gov', requestId: 'req-3' }, 'fraud-scanner', { dryRun: false, reason: 'maintenance finished early' });
    const record = ports.audit.records.find((r) => r.action === 'mesh.resume');
    expect(record?.reasons).toEqual([expect.stringMatching(/^resumed by user\/lead@irs.gov before its end at .*: maintenance finished early$/)]);
  });

  it('shows on a dry run of a resume the route that would go, and resumes nothing', async () => {
    const answer = await resumeService(ports, operator, 'fraud-scanner', { dryRun: true });
    expect(answer).toMatchObject({ dryRun: true, wouldResume: { service: 'fraud-scanner' } });
    expect('objects' in answer && answer.objects.map((o) => [o.ref.kind, o.diff])).toEqual([['VirtualService', ['http routes: pause, default -> default']]]);
    expect(await firstRouteAnswer(ports, 'fraud-scanner')).toBe('503 Service Paused');
    expect(await ports.meshStore.list('pause')).toHaveLength(1);
  });

  it('ends when its schedule fires at its end, and not before', async () => {
    minutes(29);
    const early = await runMeshCommand(ports, controller, { action: 'resume', service: 'fraud-scanner', until: '2026-11-23T12:30:00.000Z' });
    expect(early.outcome).toBe('ignored');
    expect(await firstRouteAnswer(ports, 'fraud-scanner')).toBe('503 Service Paused');
    minutes(1);
    const fired = await runMeshCommand(ports, controller, { action: 'resume', service: 'fraud-scanner', until: '2026-11-23T12:30:00.000Z' });
    expect(fired.outcome).toBe('resumed');
    expect(await firstRouteAnswer(ports, 'fraud-scanner')).toBeNull();
    expect(ports.audit.records.find((r) => r.action === 'mesh.pause.expire')?.actor).toBe('role/hms-sys-mesh');
  });

  it('is ended by the minute tick when its schedule was lost', async () => {
    schedules().clear();
    minutes(30);
    const report = await expireDue(ports, controller);
    expect(report.outcomes).toEqual([{ kind: 'pause', service: 'fraud-scanner', outcome: 'ended' }]);
    expect(await firstRouteAnswer(ports, 'fraud-scanner')).toBeNull();
    expect(await listPauses(ports)).toEqual([]);
  });

  it('lists a pause past its end, not yet ended by a tick, as expired', async () => {
    minutes(31);
    expect(await listPauses(ports)).toMatchObject([{ service: 'fraud-scanner', expired: true }]);
  });

  it('leaves a pause in force alone at the tick, applied and scheduled', async () => {
    minutes(5);
    const vs = await virtualService(ports, 'fraud-scanner');
    const report = await expireDue(ports, controller);
    expect(report.outcomes).toEqual([{ kind: 'pause', service: 'fraud-scanner', outcome: 'kept' }]);
    expect((await virtualService(ports, 'fraud-scanner'))?.metadata.resourceVersion).toBe(vs?.metadata.resourceVersion);
  });
});
