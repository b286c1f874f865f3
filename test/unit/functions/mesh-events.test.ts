import { beforeEach, describe, expect, it } from 'vitest';
import { ValidationError } from '#domain/errors.ts';
import { breakerAlarmName } from '#domain/mesh/breaker-alarm.ts';
import { createMeshEventHandler } from '#functions/mesh-ops/events.ts';
import { parseMeshEvent } from '#functions/mesh-ops/mesh-event.ts';
import { lambdaContext } from '#sandbox/local-bus.ts';
import { pauseService } from '#use-cases/mesh/pause.ts';
import { firstRouteAnswer, meshPorts, operator, registerSeed } from '../use-cases/mesh-ports.ts';

const scheduled = (rule: string) => ({
  id: `evt-${rule}`,
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  resources: [`arn:aws:events:us-east-1:111122223333:rule/HmsSys-Mesh${rule}1A2B3C-XYZ`],
  detail: {},
});

describe('parseMeshEvent', () => {
  it('tells a one-shot command, the tick, the root CA check and a breaker alarm apart', () => {
    expect(parseMeshEvent({ action: 'resume', service: 'fraud-scanner', until: '2026-11-23T12:30:00.000Z' })).toEqual({
      kind: 'command',
      command: { action: 'resume', service: 'fraud-scanner', until: '2026-11-23T12:30:00.000Z' },
    });
    expect(parseMeshEvent(scheduled('MeshTick')).kind).toBe('tick');
    expect(parseMeshEvent(scheduled('MeshRootCaCheck')).kind).toBe('root-ca-check');
    // A long stack name truncates CloudFormation's generated rule name: neither id is left in it.
    expect(
      parseMeshEvent({ ...scheduled('x'), resources: ['arn:aws:events:us-east-1:111122223333:rule/HmsSysGovCloudProductio-MeshTriggersMe-1ABC'] }).kind,
    ).toBe('schedule');
    expect(
      parseMeshEvent({
        id: 'a1',
        'detail-type': 'CloudWatch Alarm State Change',
        source: 'aws.cloudwatch',
        detail: { alarmName: 'hms-sys-mesh-fraud-scanner-breaker', state: { value: 'ALARM' } },
      }),
    ).toEqual({ kind: 'breaker-alarm', id: 'a1', alarmName: 'hms-sys-mesh-fraud-scanner-breaker', state: 'ALARM' });
  });

  it('keeps the close time of the look a closed breaker scheduled', () => {
    const look = { action: 'close-breaker', service: 'fraud-scanner', until: '2026-11-23T12:02:00.000Z', closedAt: '2026-11-23T12:00:30.000Z' };
    expect(parseMeshEvent(look)).toEqual({ kind: 'command', command: look });
  });

  it('refuses a command naming no valid service or time, and anything else', () => {
    expect(() => parseMeshEvent({ action: 'resume', service: 'Not_A_Name', until: '2026-11-23T12:30:00Z' })).toThrow(ValidationError);
    expect(() => parseMeshEvent({ action: 'pause', service: 'x', until: '2026-11-23T12:30:00Z' })).toThrow(ValidationError);
    expect(() => parseMeshEvent('tick')).toThrow(ValidationError);
    expect(() => parseMeshEvent({ action: 'close-breaker', service: 'fraud-scanner', until: '2026-11-23T12:02:00Z', closedAt: 'yesterday' })).toThrow(
      ValidationError,
    );
  });
});

describe('the mesh function’s events', () => {
  let env: ReturnType<typeof meshPorts>;
  let handler: ReturnType<typeof createMeshEventHandler>;

  beforeEach(async () => {
    env = meshPorts();
    await registerSeed(env.ports, 'fraud-scanner.yaml');
    handler = createMeshEventHandler(async () => ({ ports: env.ports, controllerActor: 'role/hms-sys-mesh' }), { outboxGraceSeconds: 0 });
  });

  it('ends a pause when its schedule fires, as the controller', async () => {
    await pauseService(env.ports, operator, { service: 'fraud-scanner', durationMin: 30 }, { dryRun: false });
    env.clock.current = new Date('2026-11-23T12:30:00Z');
    const outcome = await handler({ action: 'resume', service: 'fraud-scanner', until: '2026-11-23T12:30:00.000Z' }, lambdaContext('mesh'));
    expect(outcome).toMatchObject({ outcome: 'resumed', service: 'fraud-scanner' });
    expect(await firstRouteAnswer(env.ports, 'fraud-scanner')).toBeNull();
    expect(env.ports.audit.records.find((r) => r.action === 'mesh.pause.expire')?.actor).toBe('role/hms-sys-mesh');
  });

  it('ends an overdue pause on the tick, after draining the audit intents', async () => {
    await pauseService(env.ports, operator, { service: 'fraud-scanner', durationMin: 1 }, { dryRun: false });
    env.clock.current = new Date('2026-11-23T12:01:00Z');
    const report = await handler(scheduled('MeshTick'), lambdaContext('mesh', 60));
    expect(report).toMatchObject({ pauses: 1, outcomes: [{ kind: 'pause', service: 'fraud-scanner', outcome: 'ended' }] });
    expect(await firstRouteAnswer(env.ports, 'fraud-scanner')).toBeNull();
  });

  it('ignores a breaker alarm leaving ALARM, and one for a service without errorPercent', async () => {
    const alarm = (value: string) => ({
      id: `a-${value}`,
      'detail-type': 'CloudWatch Alarm State Change',
      source: 'aws.cloudwatch',
      detail: { alarmName: breakerAlarmName('fraud-scanner'), state: { value } },
    });
    expect(await handler(alarm('OK'), lambdaContext('mesh'))).toMatchObject({ outcome: 'ignored' });
    expect(await handler(alarm('ALARM'), lambdaContext('mesh'))).toMatchObject({ outcome: 'ignored', service: 'fraud-scanner' });
    expect(await env.ports.meshStore.list('breaker')).toEqual([]);
  });

  it('runs the root CA check on its schedule', async () => {
    const result = await handler(scheduled('MeshRootCaCheck'), lambdaContext('mesh'));
    expect(result).toMatchObject({ warningDays: 30, certificates: [] });
  });

  it('runs both the tick and the root CA check for a schedule whose rule name says neither', async () => {
    const result = await handler({ ...scheduled('x'), resources: ['arn:aws:events:us-east-1:111122223333:rule/HmsSys-Trunc-1ABC'] }, lambdaContext('mesh', 60));
    expect(result).toMatchObject({ pauses: 0, breakers: 0, rootCa: { warningDays: 30 } });
  });
});
