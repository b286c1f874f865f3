import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AlarmSnapshot } from '#adapters/local/alarm-persistence.ts';
import { type AlarmStateChangeEvent, LocalAlarmEvaluator } from '#adapters/local/local-alarm-evaluator.ts';
import type { AlarmSpec } from '#ports/metrics.ts';
import { startSandboxAlarms } from '#sandbox/sandbox-alarms.ts';

const start = Date.parse('2026-03-01T12:00:00.000Z');
const HOUR = 3_600_000;
const metric = { namespace: 'HMS/Services', metricName: 'http_rps', dimensions: { Service: 'api' }, statistic: 'Average' as const, periodSeconds: 60 };
const scaleOut: AlarmSpec = {
  name: 'hms-sys-AR-1-scale-out',
  description: 'scale out',
  metric,
  threshold: 500,
  comparison: 'GreaterThanThreshold',
  evaluationPeriods: 1,
  treatMissingData: 'notBreaching',
  tags: {},
};
const scaleIn: AlarmSpec = {
  name: 'hms-sys-AR-1-scale-in',
  description: 'scale in',
  metric,
  threshold: 200,
  comparison: 'LessThanThreshold',
  evaluationPeriods: 3,
  treatMissingData: 'breaching',
  tags: {},
};

function evaluator(at: { ms: number }, events: AlarmStateChangeEvent[] = []) {
  return new LocalAlarmEvaluator({ clock: { now: () => new Date(at.ms) }, emit: (event) => void events.push(event) });
}

/** A rule's two alarms with a busy metric: scale-out in ALARM, scale-in OK. */
async function busyRule(at: { ms: number }) {
  const before = evaluator(at);
  await before.putAlarm(scaleOut);
  await before.putAlarm(scaleIn);
  await before.putMetricData({ ...metric, value: 1_000 });
  expect(await before.alarmStates([scaleOut.name, scaleIn.name])).toEqual(
    new Map([
      [scaleOut.name, 'ALARM'],
      [scaleIn.name, 'OK'],
    ]),
  );
  // Through JSON, as the file carries it.
  return { before, saved: JSON.parse(JSON.stringify(before.snapshot())) as AlarmSnapshot };
}

describe('the local alarm evaluator across a restart', () => {
  it('resumes each alarm in its saved state, and a re-put of the same alarm keeps it without an event', async () => {
    const at = { ms: start };
    const { before, saved } = await busyRule(at);
    at.ms += 5_000;
    const events: AlarmStateChangeEvent[] = [];
    const after = evaluator(at, events);
    after.resume(saved);
    expect(after.snapshot().alarms).toEqual(before.snapshot().alarms);
    await after.putAlarm(scaleOut);
    await after.putAlarm(scaleIn);
    await after.reevaluate();
    expect(await after.alarmStates([scaleOut.name, scaleIn.name])).toEqual(
      new Map([
        [scaleOut.name, 'ALARM'],
        [scaleIn.name, 'OK'],
      ]),
    );
    expect(events).toEqual([]);
    // The datapoints came back too: the scaler reads the same value, and the metric as published.
    expect(await after.latestValue(metric)).toEqual(await before.latestValue(metric));
    expect(await after.hasDataSince(metric, new Date(start - HOUR))).toBe(true);
  });

  it('without the snapshot, the re-put scale-in alarm fires on no data: what the snapshot prevents', async () => {
    const at = { ms: start + 5_000 };
    const events: AlarmStateChangeEvent[] = [];
    const fresh = evaluator(at, events);
    await fresh.putAlarm(scaleIn);
    expect(fresh.alarmState(scaleIn.name)).toBe('ALARM');
    expect(events.map((e) => e.detail.state.value)).toEqual(['ALARM']);
  });

  it('moves an alarm on from its saved state once its data ages out, with the saved state as previousState', async () => {
    const at = { ms: start };
    const { saved } = await busyRule(at);
    const outAt = saved.alarms.find((a) => a.spec.name === scaleOut.name)!.state;
    at.ms += 10 * 60_000;
    const events: AlarmStateChangeEvent[] = [];
    const after = evaluator(at, events);
    after.resume(saved);
    await after.putAlarm(scaleOut);
    expect(after.alarmState(scaleOut.name)).toBe('OK');
    expect(events).toHaveLength(1);
    expect(events[0]!.detail.previousState).toEqual(outAt);
  });

  it('keeps an alarm that no rule puts again, as CloudWatch keeps it', async () => {
    const at = { ms: start };
    const { saved } = await busyRule(at);
    const after = evaluator(at);
    after.resume(saved);
    expect(await after.alarmsInAlarm('hms-sys-AR-1-')).toEqual([scaleOut.name]);
  });

  it("saves only the datapoints it can still read: 24 h, or an alarm's longer evaluation range", async () => {
    const at = { ms: start };
    const e = evaluator(at);
    const daily = { ...metric, metricName: 'jobs', periodSeconds: 86_400 };
    await e.putAlarm({ ...scaleOut, name: 'daily', metric: daily, evaluationPeriods: 2 });
    for (const hoursAgo of [30, 23]) {
      await e.putMetricData({ ...metric, value: hoursAgo, timestamp: new Date(start - hoursAgo * HOUR) });
      await e.putMetricData({ ...daily, value: hoursAgo, timestamp: new Date(start - hoursAgo * HOUR) });
    }
    await e.putMetricData({ ...daily, value: 90, timestamp: new Date(start - 90 * HOUR) });
    // A 2-period alarm on 1-day periods reads 4 days back: (2 + 2 extra periods) x 1 day.
    const points = (name: string) =>
      e
        .snapshot()
        .series.find((s) => s.key.includes(`"${name}"`))!
        .points.map((p) => p.value);
    expect(points('http_rps')).toEqual([23]);
    expect(points('jobs')).toEqual([30, 23, 90]);
    at.ms += 2 * HOUR;
    expect(e.snapshot().series.find((s) => s.key.includes('"http_rps"'))).toBeUndefined();
  });

  it('moves datapoints back when the snapshot was saved ahead of the clock', async () => {
    const at = { ms: start + HOUR };
    const { saved } = await busyRule(at);
    const after = evaluator({ ms: start });
    after.resume(saved);
    expect((await after.latestValue(metric))?.value).toBe(1_000);
  });

  it('resumes only before it has alarms', async () => {
    const at = { ms: start };
    const { before, saved } = await busyRule(at);
    expect(() => before.resume(saved)).toThrow('only before it has alarms or data');
  });
});

describe("the sandbox's alarms.json", () => {
  const dirs: string[] = [];
  afterEach(() => {
    vi.useRealTimers();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const newFile = () => {
    const dir = mkdtempSync(join(tmpdir(), 'hms-alarms-'));
    dirs.push(dir);
    return join(dir, 'alarms.json');
  };
  const clock = { now: () => new Date(start) };

  it('is written a moment after a change, and on flush, atomically; a new start resumes from it', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const file = newFile();
    writeFileSync(`${file}.12345.tmp`, 'half a file from a killed process');
    const first = startSandboxAlarms({ clock, emit: () => undefined, stateFile: file });
    expect(first.resumed).toBe(false);
    expect(existsSync(`${file}.12345.tmp`)).toBe(false);
    await first.alarms.putAlarm(scaleOut);
    await first.alarms.putMetricData({ ...metric, value: 1_000 });
    expect(existsSync(file)).toBe(false);
    vi.advanceTimersByTime(200);
    expect(JSON.parse(readFileSync(file, 'utf8')).alarms.map((a: { state: { value: string } }) => a.state.value)).toEqual(['ALARM']);
    await first.alarms.putAlarm(scaleIn);
    first.flush();
    expect(readdirSync(join(file, '..'))).toEqual(['alarms.json']);

    const events: AlarmStateChangeEvent[] = [];
    const second = startSandboxAlarms({ clock, emit: (event) => void events.push(event), stateFile: file });
    expect(second.resumed).toBe(true);
    expect(await second.alarms.alarmStates([scaleOut.name, scaleIn.name])).toEqual(
      new Map([
        [scaleOut.name, 'ALARM'],
        [scaleIn.name, 'OK'],
      ]),
    );
    await second.alarms.putAlarm(scaleIn);
    expect(events).toEqual([]);
  });

  it('is not written without a state file (persistState: false)', async () => {
    const file = newFile();
    const inMemory = startSandboxAlarms({ clock, emit: () => undefined });
    await inMemory.alarms.putAlarm(scaleOut);
    inMemory.flush();
    expect(readdirSync(join(file, '..'))).toEqual([]);
  });

  it('stops the start, naming the file, when it is not a snapshot', () => {
    const file = newFile();
    writeFileSync(file, '{"format":99}');
    expect(() => startSandboxAlarms({ clock, emit: () => undefined, stateFile: file })).toThrow(`${file} is not an alarm evaluator snapshot of format 1`);
    writeFileSync(file, '{');
    expect(() => startSandboxAlarms({ clock, emit: () => undefined, stateFile: file })).toThrow(`${file} is not valid JSON`);
  });
});
