import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type AlarmStateChangeEvent, LocalAlarmEvaluator } from '#adapters/local/local-alarm-evaluator.ts';
import type { EventTrigger } from '#domain/triggers.ts';
import { parseRunnerEvent } from '#functions/burst-runner/runner-event.ts';
import { parseRestartEvent } from '#functions/consumer-restarter/restart-event.ts';
import { rotationEventPattern } from '#functions/consumer-restarter/triggers.ts';
import * as declared from '#functions/index.ts';
import { parseAlarmEvent } from '#functions/scaler/alarm-event.ts';
import { alarmStateChangePattern } from '#functions/scaler/triggers.ts';
import { matchesPattern } from '#sandbox/event-pattern.ts';

/** AWS's own event samples; see test/fixtures/aws-events/README.md for where each comes from. */
const FIXTURES = join(import.meta.dirname, '../../fixtures/aws-events');
const fixture = (name: string): Record<string, unknown> => JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8'));
const fixtureNames = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.replace(/\.json$/, ''));

/** Every EventBridge pattern hms-sys deploys: each function's event triggers, and the RotationFailed alert rule. */
const patterns: Array<{ id: string; pattern: Record<string, unknown> }> = [
  ...Object.values(declared).flatMap((fn) =>
    fn.triggers.filter((t): t is EventTrigger => t.kind === 'event').map((t) => ({ id: `${fn.name}/${t.id}`, pattern: t.pattern })),
  ),
  { id: 'alerts/RotationFailed', pattern: rotationEventPattern('RotationFailed') },
];

/** The one fixture each pattern must match; every other fixture must not match it. */
const mustMatch: Record<string, string[]> = {
  'scaler/AlarmStateChange': ['cloudwatch-alarm-state-change.single-metric.hms-scale-out'],
  'burst-runner/BurstAlarm': ['cloudwatch-alarm-state-change.metric-math.hms-burst'],
  'consumer-restarter/RotationSucceeded': ['secretsmanager-rotation-succeeded'],
  'consumer-restarter/CredentialReplaced': [],
  // Only an alarm named hms-sys-mesh-<service>-breaker; none of AWS's samples is one.
  'mesh-ops/MeshBreakerAlarm': [],
  'alerts/RotationFailed': ['secretsmanager-rotation-failed'],
};

describe('declared EventBridge patterns against AWS event samples', () => {
  it('lists every declared pattern in the expectations', () => {
    expect(patterns.map((p) => p.id).sort()).toEqual(Object.keys(mustMatch).sort());
  });

  for (const { id, pattern } of patterns) {
    it.each(fixtureNames)(`${id} against %s`, (name) => {
      expect(matchesPattern(pattern, fixture(name))).toBe(mustMatch[id]!.includes(name));
    });
  }

  it('the scaler also takes a scale-in alarm, and neither alarm pattern takes a move back to OK', () => {
    const scaleIn = fixture('cloudwatch-alarm-state-change.single-metric.hms-scale-out');
    const detail = scaleIn.detail as { alarmName: string; state: { value: string } };
    const asScaleIn = { ...scaleIn, detail: { ...detail, alarmName: 'hms-sys-AR-101-scale-in' } };
    expect(matchesPattern(alarmStateChangePattern, asScaleIn)).toBe(true);
    const backToOk = { ...scaleIn, detail: { ...detail, state: { ...detail.state, value: 'OK' } } };
    for (const { pattern } of patterns) expect(matchesPattern(pattern, backToOk)).toBe(false);
  });
});

describe("the handlers' own parsers read AWS event samples", () => {
  it.each([
    ['cloudwatch-alarm-state-change.single-metric', 'ServerCpuTooHigh', 99.50160229693434],
    ['cloudwatch-alarm-state-change.single-metric.hms-scale-out', 'hms-sys-AR-101-scale-out', 99.50160229693434],
    ['cloudwatch-alarm-state-change.metric-math', 'TotalNetworkTrafficTooHigh', 45628],
    ['cloudwatch-alarm-state-change.metric-math.hms-burst', 'hms-sys-AR-7-burst', 45628],
  ])('the scaler parses %s', (name, alarmName, value) => {
    const event = fixture(name);
    expect(parseAlarmEvent(event)).toEqual({
      eventId: event.id,
      alarmName,
      stateValue: 'ALARM',
      // The samples' reasonData has recentDatapoints but no evaluatedDatapoints: stamped with the event's time.
      metric: { value, periodStart: new Date(event.time as string).toISOString() },
    });
  });

  it('the restarter reads the secret of RotationSucceeded from additionalEventData, and refuses RotationFailed and other events', () => {
    expect(parseRestartEvent(fixture('secretsmanager-rotation-succeeded'))).toEqual({
      id: 'dd5fd657-7361-f5d2-0c0f-0fe27390611b',
      secret: 'arn:aws:secretsmanager:us-west-2:123456789012:secret:Appuser-pyodbc-WoDpmU',
    });
    expect(() => parseRestartEvent(fixture('secretsmanager-rotation-failed'))).toThrow(/RotationSucceeded/);
    expect(() => parseRestartEvent(fixture('eventbridge-scheduled-event'))).toThrow(/RotationSucceeded/);
  });

  it('the burst runner reads a Scheduler payload, a scheduled tick and a burst alarm, and refuses the rest', () => {
    expect(parseRunnerEvent(fixture('scheduler-burst-runner-input'))).toEqual({ kind: 'command', burstId: 'BU-42' });
    expect(parseRunnerEvent(fixture('eventbridge-scheduled-event'))).toEqual({ kind: 'tick', id: '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa' });
    expect(parseRunnerEvent(fixture('cloudwatch-alarm-state-change.metric-math.hms-burst'))).toMatchObject({
      kind: 'alarm',
      id: '2dde0eb1-528b-d2d5-9ca6-6d590caf2329',
    });
    expect(() => parseRunnerEvent(fixture('secretsmanager-rotation-succeeded'))).toThrow(/not a burst command/);
    expect(() => parseRunnerEvent({ burstId: 'x' })).toThrow(/not a burst command/);
  });
});

describe('the local alarm evaluator against the AWS sample', () => {
  it('emits every field the AWS single-metric sample has, at every level', async () => {
    const events: AlarmStateChangeEvent[] = [];
    const now = new Date('2026-03-01T12:00:00Z');
    const evaluator = new LocalAlarmEvaluator({
      clock: { now: () => now },
      emit: (e) => {
        events.push(e);
      },
    });
    await evaluator.putAlarm({
      name: 'hms-sys-AR-101-scale-out',
      description: 'scale out',
      threshold: 50,
      comparison: 'GreaterThanThreshold',
      evaluationPeriods: 1,
      treatMissingData: 'notBreaching',
      tags: {},
      metric: { namespace: 'HMS/Services', metricName: 'RequestCount', dimensions: { Service: 'api' }, statistic: 'Average', periodSeconds: 60 },
    });
    await evaluator.putMetricData({ namespace: 'HMS/Services', metricName: 'RequestCount', dimensions: { Service: 'api' }, value: 99 });
    const local = events.at(-1)! as unknown as Record<string, Record<string, unknown>>;
    const aws = fixture('cloudwatch-alarm-state-change.single-metric') as Record<string, Record<string, unknown>>;
    const keys = (o: object) => Object.keys(o).sort();
    expect(keys(local)).toEqual(keys(aws));
    expect(keys(local.detail!)).toEqual(keys(aws.detail!));
    for (const state of ['state', 'previousState'] as const) {
      expect(keys(local.detail![state] as object)).toEqual(keys(aws.detail!.state as object));
    }
    const awsReasonData = JSON.parse((aws.detail!.state as { reasonData: string }).reasonData);
    const localReasonData = JSON.parse((local.detail!.state as { reasonData: string }).reasonData);
    expect(keys(localReasonData)).toEqual(expect.arrayContaining(keys(awsReasonData)));
    expect(matchesPattern(alarmStateChangePattern, local)).toBe(true);
  });
});
