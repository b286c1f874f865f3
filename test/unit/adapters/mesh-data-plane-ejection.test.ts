import { describe, expect, it } from 'vitest';
import { destinationRule, proxyHarness, virtualService } from './mesh-data-plane-fixture.ts';

const URL_80 = 'http://receipt-svc.mesh/receipt';
const noRetries = virtualService('receipt-svc', [{ route: [{ destination: { host: 'receipt-svc.mesh' } }], retries: { attempts: 0 } }]);
const outlier = (extra: Record<string, unknown> = {}) =>
  destinationRule('receipt-svc', {
    outlierDetection: { consecutive5xxErrors: 2, interval: '10s', baseEjectionTime: '30s', maxEjectionPercent: 100, ...extra },
  });

async function podsAnswering(h: Awaited<ReturnType<typeof proxyHarness>>, calls: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < calls; i += 1) {
    const answer = await h.call(URL_80);
    out.push(answer.status === 200 ? JSON.parse(answer.body).pod : `${answer.status} ${answer.body}`);
  }
  return out;
}

describe('the local data plane: outlier detection and connection limits', () => {
  it('ejects a pod after consecutive5xxErrors, skips it, and takes it back at the first sweep after baseEjectionTime', async () => {
    const h = await proxyHarness((o) => {
      o.virtualServices.push(noRetries);
      o.destinationRules.push(outlier());
    });
    await h.fleet.set('receipt-svc-a', { errorRate: 1 });
    // a, b, a: the second consecutive 500 from a ejects it.
    expect((await podsAnswering(h, 3)).map((p) => p.slice(0, 3))).toEqual(['500', 'rec', '500']);
    expect(await podsAnswering(h, 3)).toEqual(['receipt-svc-b', 'receipt-svc-b', 'receipt-svc-b']);
    expect(h.requestsTo('receipt-svc-a')).toBe(2);
    await h.fleet.set('receipt-svc-a', { recover: true });
    h.clock.ms += 29_000;
    expect(await podsAnswering(h, 2)).toEqual(['receipt-svc-b', 'receipt-svc-b']);
    // Ejected at t=0 for 30 s; back at the sweep at 30 s.
    h.clock.ms += 1_000;
    expect(new Set(await podsAnswering(h, 2))).toEqual(new Set(['receipt-svc-a', 'receipt-svc-b']));
  });

  it('ejects for baseEjectionTime times the number of ejections', async () => {
    const h = await proxyHarness((o) => {
      o.virtualServices.push(noRetries);
      o.destinationRules.push(outlier({ interval: '1s' }));
    });
    await h.fleet.set('receipt-svc-a', { errorRate: 1 });
    await podsAnswering(h, 3); // a ejected (first time) at t=0
    h.clock.ms += 30_000;
    await podsAnswering(h, 4); // back, fails twice more: ejected a second time, at once (the multiplier is 1 still)
    expect(h.requestsTo('receipt-svc-a')).toBe(4);
    h.clock.ms += 30_000;
    expect(await podsAnswering(h, 2)).toEqual(['receipt-svc-b', 'receipt-svc-b']);
    h.clock.ms += 30_000;
    await podsAnswering(h, 2);
    expect(h.requestsTo('receipt-svc-a')).toBe(5);
  });

  it('answers 503 "no healthy upstream" (UH) once every pod is ejected, and never ejects beyond maxEjectionPercent', async () => {
    const all = await proxyHarness((o) => {
      o.virtualServices.push(noRetries);
      o.destinationRules.push(outlier());
    });
    await all.fleet.set('receipt-svc-a', { errorRate: 1 });
    await all.fleet.set('receipt-svc-b', { errorRate: 1 });
    await podsAnswering(all, 4);
    const answer = await all.call(URL_80);
    expect(answer).toMatchObject({ status: 503, body: 'no healthy upstream' });
    expect(
      all.telemetry
        .snapshot()
        .filter((s) => s.labels.reporter === 'source')
        .find((s) => s.labels.response_flags === 'UH')?.requests,
    ).toBe(1);

    const half = await proxyHarness((o) => {
      o.virtualServices.push(noRetries);
      o.destinationRules.push(outlier({ maxEjectionPercent: 50 }));
    });
    await half.fleet.set('receipt-svc-a', { errorRate: 1 });
    await half.fleet.set('receipt-svc-b', { errorRate: 1 });
    await podsAnswering(half, 6);
    expect(half.requestsTo('receipt-svc-b')).toBe(4);
    expect(Object.values(half.proxy.ejections()).flat()).toHaveLength(1);
  });

  it('balances across every pod, ejected or not, once fewer than minHealthPercent are healthy (panic mode)', async () => {
    const h = await proxyHarness((o) => {
      o.virtualServices.push(noRetries);
      o.destinationRules.push(outlier({ minHealthPercent: 60 }));
    });
    await h.fleet.set('receipt-svc-a', { errorRate: 1 });
    await podsAnswering(h, 3); // a ejected: 1 of 2 healthy is 50 %, under 60 %
    expect(Object.values(h.proxy.ejections()).flat()).toHaveLength(1);
    const answers = await podsAnswering(h, 4);
    expect(answers.filter((a) => a === 'receipt-svc-b')).toHaveLength(2);
    expect(answers.filter((a) => a.startsWith('500'))).toHaveLength(2);
  });

  it('answers 503 UO at once when http2MaxRequests requests are outstanding, whatever the connections', async () => {
    const h = await proxyHarness((o) => {
      o.virtualServices.push(noRetries);
      o.destinationRules.push(destinationRule('receipt-svc', { connectionPool: { http: { http2MaxRequests: 1 } } }));
    });
    await h.fleet.set('receipt-svc-a', { latencyMs: 150 });
    await h.fleet.set('receipt-svc-b', { latencyMs: 150 });
    const answers = await Promise.all([h.call(URL_80), h.call(URL_80)]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 503]);
    expect(answers.find((a) => a.status === 503)!.headers['x-envoy-overloaded']).toBe('true');
  });

  it('answers 503 UO with x-envoy-overloaded when requests overflow maxConnections plus http1MaxPendingRequests', async () => {
    const h = await proxyHarness((o) => {
      o.virtualServices.push(noRetries);
      o.destinationRules.push(destinationRule('receipt-svc', { connectionPool: { tcp: { maxConnections: 1 }, http: { http1MaxPendingRequests: 1 } } }));
    });
    await h.fleet.set('receipt-svc-a', { latencyMs: 150 });
    await h.fleet.set('receipt-svc-b', { latencyMs: 150 });
    const answers = await Promise.all([h.call(URL_80), h.call(URL_80), h.call(URL_80)]);
    const overflowed = answers.filter((a) => a.status === 503);
    expect(answers.filter((a) => a.status === 200)).toHaveLength(2);
    expect(overflowed).toHaveLength(1);
    expect(overflowed[0]!.headers['x-envoy-overloaded']).toBe('true');
    expect(overflowed[0]!.body).toMatch(/reset reason: overflow/);
    expect(
      h.telemetry
        .snapshot()
        .filter((s) => s.labels.reporter === 'source')
        .find((s) => s.labels.response_code === '503')?.labels.response_flags,
    ).toBe('UO');
  });

  it("keeps Istio's standard metrics by source, destination, code and flags, in Prometheus text and per window", async () => {
    const h = await proxyHarness((o) => o.virtualServices.push(noRetries));
    await h.fleet.set('receipt-svc-a', { errorRate: 1 });
    await h.call(URL_80, { as: 'return-intake' });
    await h.call(URL_80, { as: 'return-intake' });
    const text = h.telemetry.prometheus();
    expect(text).toContain(
      'istio_requests_total{reporter="source",source_workload="return-intake",source_workload_namespace="default",destination_service_name="receipt-svc",destination_service_namespace="default",destination_workload_namespace="default",response_code="500",response_flags="-"} 1',
    );
    expect(text).toMatch(/istio_request_duration_milliseconds_bucket\{[^}]*response_code="200"[^}]*le="\+Inf"\} 1/);
    const windows: unknown[] = [];
    const stop = h.telemetry.onWindow((w) => windows.push(...w), 3600);
    h.telemetry.flushWindow();
    stop();
    expect(h.telemetry.totals('receipt-svc')).toEqual({ requests: 2, errors5xx: 1 });
    expect(windows).toEqual([expect.objectContaining({ service: 'receipt-svc', namespace: 'default', requests: 2, errors5xx: 1 })]);
    // A reply the proxy made itself never reached a pod: it is not in the destination's window.
    await h.fleet.set('receipt-svc-a', { fail: true });
    await h.fleet.set('receipt-svc-b', { fail: true });
    expect((await h.call(URL_80)).status).toBe(503);
    expect(h.telemetry.flushWindow()).toEqual([]);
    expect(h.telemetry.flushWindow()).toEqual([]);
  });
});
