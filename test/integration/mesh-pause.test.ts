/**
 * Chapter 7's pause and errorPercent breaker through the sandbox, as a user drives them: the API over
 * HTTP, calls through the local data plane's proxy as return-intake's sidecar would make them, and the
 * sandbox clock moved forward for an expiry and a reset window.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OffsetClock } from '#adapters/local/offset-clock.ts';
import { httpCall, podsOf, until } from '../../bin/mesh-harness.ts';
import { type Fixture, useSandbox } from './sandbox-fixture.ts';

const clock = new OffsetClock();
const sb = useSandbox({ clock, meshProxyPort: 0, meshStatsPort: 0, meshTickSeconds: 3600 });
const URL_OF_FRAUD_SCANNER = 'http://fraud-scanner.mesh/scan';

/** A seed's file (test/fixtures/seeds), sent as its own text as `hms-sys apply` sends it. */
const seed = (path: string) => readFileSync(new URL(`../fixtures/seeds/${path}`, import.meta.url), 'utf8');
async function sendFile(f: Fixture, path: string, text: string) {
  const res = await fetch(`${f.sandbox.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${f.sandbox.tokens.admin}`, 'content-type': 'application/yaml' },
    body: text,
  });
  return { status: res.status, body: await res.json() };
}
const plane = (f: Fixture) => f.sandbox.meshDataPlane.dataPlane;
const call = (f: Fixture) => httpCall(URL_OF_FRAUD_SCANNER, { via: plane(f).proxyUrl, source: 'return-intake' });
/** Polls the proxy until a call answers `status` (and body, when given); nothing is timed. */
const answers = (f: Fixture, status: number, body?: string) =>
  until(`fraud-scanner answering ${status} ${body ?? ''}`, async () => {
    const answer = await call(f);
    return answer.status === status && (body === undefined || answer.body.trim() === body) ? answer : undefined;
  });
/** Fires the mesh function's one-shot schedules the moved clock has reached, and waits for them. */
async function fireDue(f: Fixture) {
  await f.sandbox.mesh.scheduler.fireDue();
  await f.sandbox.bus.drain();
}

async function deploy(f: Fixture) {
  for (const file of ['return-intake.yaml', 'fraud-scanner.yaml']) expect((await sendFile(f, '/manifests', seed(file))).status).toBeLessThan(300);
  await until('a fraud-scanner pod served', () => (podsOf(plane(f), 'fraud-scanner').length > 0 ? true : undefined));
  await answers(f, 200);
}

describe('pausing a service in the sandbox (chapter 7)', () => {
  it('answers 503 Service Paused through the mesh within seconds, restarts no pod, and resumes at its end', async () => {
    await deploy(sb);
    const podsBefore = podsOf(plane(sb), 'fraud-scanner').map((p) => p.pod);

    const paused = await sb.http('POST', '/policies/pause', { service: 'fraud-scanner', durationMin: 30, reason: 'model retraining' });
    expect(paused.status).toBe(200);
    await answers(sb, 503, 'Service Paused');
    expect(podsOf(plane(sb), 'fraud-scanner').map((p) => p.pod)).toEqual(podsBefore);
    expect((await sb.http('GET', '/policies/pause')).body.pauses).toMatchObject([{ service: 'fraud-scanner', reason: 'model retraining' }]);
    const status = await sb.http('GET', '/mesh/status');
    expect(status.body.services.find((s: { name: string }) => s.name === 'fraud-scanner').paused).toMatchObject({ until: paused.body.pause.until });

    clock.advance(30 * 60_000);
    await fireDue(sb);
    await answers(sb, 200);
    expect((await sb.http('GET', '/policies/pause')).body.pauses).toEqual([]);
    expect(podsOf(plane(sb), 'fraud-scanner').map((p) => p.pod)).toEqual(podsBefore);
  });

  it('refuses bad input with the field, and shows a dry run without pausing', async () => {
    const tooLong = await sb.http('POST', '/policies/pause', { service: 'fraud-scanner', durationMin: 10_081 });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error.field).toBe('durationMin');
    const unknown = await sb.http('POST', '/policies/pause', { service: 'no-such-svc', durationMin: 5 });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error).toMatchObject({ code: 'not_in_mesh', field: 'service' });
    const dry = await sb.http('POST', '/policies/pause?dryRun=true', { service: 'fraud-scanner', durationMin: 5 });
    expect(dry.status).toBe(200);
    expect(dry.body.wouldPause.service).toBe('fraud-scanner');
    expect(dry.body.objects.map((o: { ref: { kind: string } }) => o.ref.kind)).toContain('VirtualService');
    expect((await call(sb)).status).toBe(200);
  });

  it('finishes a pause whose function stopped between its record and its apply, on the next tick; resume ends it', async () => {
    const now = clock.now();
    // What a function killed right after writing the pause leaves: the record, nothing applied.
    await sb.sandbox.mesh.ports.meshStore.put(
      'pause',
      {
        service: 'fraud-scanner',
        namespace: 'default',
        until: new Date(now.getTime() + 10 * 60_000).toISOString(),
        by: 'user/crashed',
        createdAt: now.toISOString(),
        version: 1,
      },
      null,
    );
    expect((await call(sb)).status).toBe(200);
    await sb.sandbox.mesh.tickNow();
    await answers(sb, 503, 'Service Paused');
    expect((await sb.http('DELETE', '/policies/pause/fraud-scanner?reason=crash%20drill%20over')).status).toBe(200);
    await answers(sb, 200);
    const audit = await sb.http('GET', '/audit?limit=100');
    const resumed = (audit.body.records as { action: string; reasons: string[] }[]).find((r) => r.action === 'mesh.resume');
    expect(resumed?.reasons.join(' ')).toMatch(/: crash drill over$/);
  });
});

describe('the errorPercent breaker in the sandbox (chapter 7’s irs-fraud.yml)', () => {
  it('opens when over 20 % of fraud-scanner’s answers fail, answers a fast 503, and lets traffic through after the window', async () => {
    expect((await sendFile(sb, '/policies', seed('policies/irs-fraud.yml'))).status).toBeLessThan(300);
    const [pod] = podsOf(plane(sb), 'fraud-scanner');
    expect((await sb.http('POST', '/sandbox/mesh/pods', { pod: pod!.pod, errorRate: 1 })).status).toBe(200);

    const open = await until(
      'the breaker opened',
      async () => {
        await call(sb);
        const status = await sb.http('GET', '/mesh/status');
        return status.body.services.find((s: { name: string }) => s.name === 'fraud-scanner').breaker ?? undefined;
      },
      30_000,
    );
    expect(open.reasons[0]).toContain("more than 20 % of fraud-scanner's answers in a minute were 5xx");
    await answers(sb, 503, 'Service Unavailable: circuit open');

    expect((await sb.http('POST', '/sandbox/mesh/pods', { pod: pod!.pod, recover: true, errorRate: 0 })).status).toBe(200);
    clock.advance(31_000);
    await fireDue(sb);
    expect(await breakerOf(sb)).toBeUndefined();

    // No call at all after the close: the look a minute or two later finds the alarm still in ALARM
    // on the minute that tripped it, but no answer since the close, so the breaker stays closed.
    clock.advance(120_000);
    await sb.sandbox.alarms.reevaluate();
    expect(sb.sandbox.alarms.alarmState(ALARM)).toBe('ALARM');
    await fireDue(sb);
    expect(await breakerOf(sb)).toBeUndefined();
    expect(await opens(sb)).toBe(1);
    await answers(sb, 200);

    // Errors after the close do reopen it, on the next look once their minute has ended.
    expect((await sb.http('POST', '/sandbox/mesh/pods', { pod: pod!.pod, errorRate: 1 })).status).toBe(200);
    for (let i = 0; i < 3; i++) await call(sb);
    plane(sb).telemetry.flushWindow();
    await sb.sandbox.alarms.settled();
    clock.advance(61_000);
    await fireDue(sb);
    const again = await until('the breaker opened again', () => breakerOf(sb));
    // The alarm never left ALARM, so no event came: the look reopened it, naming the minute.
    expect(again.reasons[0]).toMatch(
      /^\d+ % of fraud-scanner's answers in the minute from .*, after its breaker closed at .*, were 5xx \(over errorPercent 20\)/,
    );
    expect(await opens(sb)).toBe(2);
  });
});

const ALARM = 'hms-sys-mesh-fraud-scanner-breaker';
const breakerOf = async (f: Fixture) =>
  (await f.http('GET', '/mesh/status')).body.services.find((s: { name: string }) => s.name === 'fraud-scanner').breaker ?? undefined;
const opens = async (f: Fixture) =>
  ((await f.http('GET', '/audit?limit=100')).body.records as { action: string }[]).filter((r) => r.action === 'mesh.breaker.open').length;
