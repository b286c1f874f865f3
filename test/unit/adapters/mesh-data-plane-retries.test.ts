import { describe, expect, it } from 'vitest';
import { destinationRule, proxyHarness, virtualService } from './mesh-data-plane-fixture.ts';

const URL_80 = 'http://receipt-svc.mesh/receipt';
const route = (extra: Record<string, unknown> = {}) => ({ route: [{ destination: { host: 'receipt-svc.default.svc.cluster.local' } }], ...extra });

describe('the local data plane: routes, retries and timeouts', () => {
  it('carries a call to <name>.mesh on port 80 to a pod of the ServiceEntry, which answers JSON naming itself', async () => {
    const h = await proxyHarness(() => undefined);
    const answer = await h.call(URL_80);
    expect(answer.status).toBe(200);
    const body = JSON.parse(answer.body);
    expect(['receipt-svc-a', 'receipt-svc-b']).toContain(body.pod);
    expect(body).toMatchObject({ service: 'receipt-svc', path: '/receipt', method: 'GET', attempt: 1 });
    expect(body.requestId).toEqual(expect.any(String));
  });

  it('retries a refused connection on the other pod (attempts are retries after the first try)', async () => {
    const h = await proxyHarness((o) =>
      o.virtualServices.push(virtualService('receipt-svc', [route({ retries: { attempts: 2, retryOn: 'connect-failure' } })])),
    );
    await h.fleet.set('receipt-svc-a', { fail: true });
    const answer = await h.call(URL_80);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ pod: 'receipt-svc-b', attempt: 2 });
    // Round robin picked a first; the retry avoided it (Envoy's previous_hosts predicate).
    const flags = h.telemetry
      .snapshot()
      .filter((s) => s.labels.reporter === 'source')
      .map((s) => `${s.labels.response_code} ${s.labels.response_flags}`);
    expect(flags).toEqual(['200 -']);
  });

  it('with attempts 0 answers 503 UF for a refused connection, without another try', async () => {
    const h = await proxyHarness((o) => o.virtualServices.push(virtualService('receipt-svc', [route({ retries: { attempts: 0 } })])));
    await h.fleet.set('receipt-svc-a', { fail: true });
    const answer = await h.call(URL_80);
    expect(answer.status).toBe(503);
    expect(answer.body).toBe('upstream connect error or disconnect/reset before headers. reset reason: connection failure');
    expect(h.requestsTo('receipt-svc-b')).toBe(0);
    expect(h.telemetry.snapshot().filter((s) => s.labels.reporter === 'source')[0]!.labels.response_flags).toBe('UF');
  });

  it('retries 5xx answers up to attempts, then forwards the last answer with URX', async () => {
    const h = await proxyHarness((o) => o.virtualServices.push(virtualService('receipt-svc', [route({ retries: { attempts: 2, retryOn: '5xx' } })])));
    await h.fleet.set('receipt-svc-a', { errorRate: 1 });
    await h.fleet.set('receipt-svc-b', { errorRate: 1 });
    const answer = await h.call(URL_80);
    expect(answer.status).toBe(500);
    expect(JSON.parse(answer.body).error).toMatch(/injected error/);
    expect(h.requestsTo('receipt-svc-a') + h.requestsTo('receipt-svc-b')).toBe(3);
    expect(h.telemetry.snapshot().filter((s) => s.labels.reporter === 'source')[0]!.labels.response_flags).toBe('URX');
    // Each pod's sidecar reports every try it answered (reporter="destination").
    const tries = h.telemetry.snapshot().filter((s) => s.labels.reporter === 'destination');
    expect(tries.map((s) => `${s.labels.response_code} x${s.requests}`)).toEqual(['500 x3']);
  });

  it('gateway-error does not retry a 500, and retriable-status-codes retries only the codes named', async () => {
    const h = await proxyHarness((o) =>
      o.virtualServices.push(
        virtualService('receipt-svc', [
          { match: [{ uri: { prefix: '/gw' } }], ...route({ retries: { attempts: 3, retryOn: 'gateway-error' } }) },
          route({ retries: { attempts: 3, retryOn: '500' } }),
        ]),
      ),
    );
    await h.fleet.set('receipt-svc-a', { errorRate: 1 });
    expect((await h.call('http://receipt-svc.mesh/gw')).status).toBe(500);
    expect(h.requestsTo('receipt-svc-a') + h.requestsTo('receipt-svc-b')).toBe(1);
    // Round robin now starts at b, which answers; then at a, whose 500 is retried on b.
    expect((await h.call(URL_80)).status).toBe(200);
    const third = await h.call(URL_80);
    expect(third.status).toBe(200);
    expect(JSON.parse(third.body).pod).toBe('receipt-svc-b');
  });

  it('gives up on a slow try after perTryTimeout and retries it on the other pod', async () => {
    const h = await proxyHarness((o) =>
      o.virtualServices.push(virtualService('receipt-svc', [route({ retries: { attempts: 1, perTryTimeout: '0.05s', retryOn: 'reset' } })])),
    );
    await h.fleet.set('receipt-svc-a', { latencyMs: 5_000 });
    const answer = await h.call(URL_80);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body).pod).toBe('receipt-svc-b');
  });

  it('answers 504 UT "upstream request timeout" when the route timeout passes, retries or not', async () => {
    const h = await proxyHarness((o) =>
      o.virtualServices.push(virtualService('receipt-svc', [route({ timeout: '50ms', retries: { attempts: 5, retryOn: '5xx,reset' } })])),
    );
    await h.fleet.set('receipt-svc-a', { latencyMs: 5_000 });
    await h.fleet.set('receipt-svc-b', { latencyMs: 5_000 });
    const answer = await h.call(URL_80);
    expect(answer.status).toBe(504);
    expect(answer.body).toBe('upstream request timeout');
    expect(h.telemetry.snapshot().filter((s) => s.labels.reporter === 'source')[0]!.labels.response_flags).toBe('UT');
  });

  it('answers a directResponse route itself: no pod is called and nothing is retried', async () => {
    const h = await proxyHarness((o) =>
      o.virtualServices.push(
        virtualService('receipt-svc', [
          { name: 'pause', directResponse: { status: 503, body: { string: 'Service Paused' } } },
          route({ retries: { attempts: 3, retryOn: '5xx,503' } }),
        ]),
      ),
    );
    const answer = await h.call(URL_80);
    expect(answer).toMatchObject({ status: 503, body: 'Service Paused' });
    expect(h.requestsTo('receipt-svc-a') + h.requestsTo('receipt-svc-b')).toBe(0);
    expect(h.telemetry.totals('receipt-svc')).toEqual({ requests: 1, errors5xx: 1 });
  });

  it('matches sourceLabels with the caller named as the proxy user, and answers 404 NR when no route matches', async () => {
    const h = await proxyHarness((o) =>
      o.virtualServices.push(
        virtualService('receipt-svc', [
          { match: [{ sourceLabels: { app: 'return-intake' }, sourceNamespace: 'elsewhere' }], directResponse: { status: 418 } },
          { match: [{ sourceLabels: { app: 'return-intake' }, uri: { prefix: '/receipt' } }], ...route({ retries: { attempts: 2, retryOn: '5xx' } }) },
          { match: [{ uri: { prefix: '/receipt' } }], ...route({ retries: { attempts: 0 } }) },
        ]),
      ),
    );
    await h.fleet.set('receipt-svc-a', { errorRate: 1 });
    expect((await h.call(URL_80, { as: 'return-intake' })).status).toBe(200);
    // Each caller has its own sidecar, so its own round robin: a first, whose 500 is not retried for an anonymous caller.
    expect((await h.call(URL_80)).status).toBe(500);
    expect((await h.call(URL_80)).status).toBe(200);
    const other = await h.call('http://receipt-svc.mesh/elsewhere');
    expect(other.status).toBe(404);
    const sources = h.telemetry
      .snapshot()
      .map((s) => `${s.labels.source_workload}/${s.labels.source_workload_namespace} ${s.labels.response_code} ${s.labels.response_flags}`);
    expect(sources).toContain('return-intake/default 200 -');
    expect(sources).toContain('unknown/unknown 404 NR');
  });

  it('splits traffic by weight between subsets of the DestinationRule', async () => {
    const h = await proxyHarness((o) => {
      o.destinationRules.push(
        destinationRule('receipt-svc', {}, [
          { name: 'v1', labels: { version: 'v1' } },
          { name: 'v2', labels: { version: 'v2' } },
        ]),
      );
      o.virtualServices.push(
        virtualService('receipt-svc', [
          {
            route: [
              { destination: { host: 'receipt-svc.mesh', subset: 'v1' }, weight: 80 },
              { destination: { host: 'receipt-svc.mesh', subset: 'v2' }, weight: 20 },
            ],
          },
        ]),
      );
    });
    const picks: string[] = [];
    for (const r of [0.1, 0.79, 0.8, 0.99]) {
      h.randoms.push(r);
      picks.push(JSON.parse((await h.call(URL_80)).body).pod);
    }
    expect(picks).toEqual(['receipt-svc-a', 'receipt-svc-a', 'receipt-svc-b', 'receipt-svc-b']);
  });
});
