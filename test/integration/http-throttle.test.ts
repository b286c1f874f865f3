import { describe, expect, it } from 'vitest';
import { stackReservedConcurrency } from '#sandbox/function-concurrency.ts';
import { apiClient, DEFAULT_RETRY } from '../../bin/client.ts';
import { useSandbox } from './sandbox-fixture.ts';

// Registration's cluster call hangs on an injected timeout fault until the client gives up (1 s),
// so each registration holds one copy of the api function that long.
const sb = useSandbox({ clusterTimeoutMs: 1_000 });
/** What the stack reserves per function: hms:reservedConcurrency from cdk.json, 5 by default. */
const LIMIT = stackReservedConcurrency() ?? 1_000;

/** Starts LIMIT registrations of a fresh service whose cluster calls hang, and resolves once all LIMIT are inside the api function. */
async function saturate(TARGET: string) {
  sb.sandbox.k8s.seedDeployment({ namespace: 'benefits', name: TARGET, replicas: 2, podRequests: { cpu: '100m', memory: '128Mi' } });
  sb.sandbox.k8s.injectFault({ pathIncludes: `deployments/${TARGET}`, timeout: true, times: LIMIT });
  let hanging = 0;
  let allHanging!: () => void;
  const ready = new Promise<void>((resolve) => (allHanging = resolve));
  const stop = sb.sandbox.k8s.onRequest((r) => {
    if (r.status === 0 && r.path.includes(TARGET) && ++hanging === LIMIT) allHanging();
  });
  const registrations = Array.from({ length: LIMIT }, () =>
    fetch(`${sb.sandbox.url}/services`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sb.sandbox.tokens.admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: TARGET,
        cluster: 'sandbox',
        namespace: 'benefits',
        deployment: TARGET,
        tags: { agency: 'ED', program: 'FSA', fiscalYear: 'FY2026' },
      }),
    }),
  );
  await ready;
  stop();
  return registrations;
}

describe('the api function under its reserved concurrency', () => {
  it('answers a request beyond the reserved copies 500 {"message":"Internal Server Error"}, as API Gateway does, and counts it', async () => {
    const registrations = await saturate('throttle-a');

    const throttled = await fetch(`${sb.sandbox.url}/services`, { headers: { authorization: `Bearer ${sb.sandbox.tokens.admin}` } });
    expect(throttled.status).toBe(500);
    expect(await throttled.text()).toBe('{"message":"Internal Server Error"}');
    expect(throttled.headers.get('x-hms-sandbox-throttled')).toBe('api');
    // Another function has copies of its own.
    expect((await sb.http('GET', '/budgets')).status).toBe(200);

    for (const answer of await Promise.all(registrations)) expect(answer.headers.get('x-hms-sandbox-throttled')).toBeNull();
    const functions = (await sb.http('GET', '/sandbox/events')).body.functions;
    expect(functions.api).toEqual({ limit: LIMIT, running: 0, throttled: 1 });
    expect(functions['cost-api']).toMatchObject({ limit: LIMIT, running: 0, throttled: 0 });
    expect(functions.scaler).toMatchObject({ limit: LIMIT, queued: 0 });
    expect((await sb.http('GET', '/services')).status).toBe(200);
  });

  it('the CLI client retries the throttle with backoff and gets its answer once a copy is free', async () => {
    const registrations = await saturate('throttle-b');
    const client = apiClient(sb.sandbox.url, sb.sandbox.tokens.admin!, { ...DEFAULT_RETRY, attempts: 12, baseDelayMs: 100, maxDelayMs: 600 });
    const listed = (await client.call('GET', '/services')) as { services: unknown[] };
    expect(Array.isArray(listed.services)).toBe(true);
    await Promise.all(registrations);
    expect((await sb.http('GET', '/sandbox/events')).body.functions.api.throttled).toBeGreaterThan(1);
  });
});
