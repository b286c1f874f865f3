import { describe, expect, it } from 'vitest';
import { stackReservedConcurrency } from '#sandbox/function-concurrency.ts';
import type { LocalHandler } from '#sandbox/local-bus.ts';
import { useSandbox } from './sandbox-fixture.ts';

const sb = useSandbox();
const SERVICES = 200;
/** What the stack reserves per function: hms:reservedConcurrency from cdk.json, 5 by default. */
const LIMIT = stackReservedConcurrency() ?? 1_000;

describe('the sandbox under 200 alarms at once', () => {
  it("runs at most the scaler's reserved copies together, queues the rest, and scales all 200 with nothing dead-lettered", async () => {
    const names = Array.from({ length: SERVICES }, (_, i) => `burst-${i}`);
    for (const name of names) sb.sandbox.k8s.seedDeployment({ namespace: 'load', name, replicas: 2, podRequests: { cpu: '100m', memory: '128Mi' } });
    // Set up LIMIT at a time: the api function runs that many copies, and throttles a request beyond them.
    for (let i = 0; i < names.length; i += LIMIT) {
      await Promise.all(
        names.slice(i, i + LIMIT).map(async (name) => {
          expect((await sb.service(name, 'load')).status).toBe(201);
          const rule = await sb.http('POST', '/autoscale-rules', {
            service: name,
            minReplicas: 2,
            maxReplicas: 20,
            trigger: { metric: 'http_rps', threshold: 100 },
          });
          expect(rule.status).toBe(201);
        }),
      );
    }

    // Instrument the scaler's handler as the bus calls it: copies running at once, events handled,
    // and the sandbox's own account of its queue, read over HTTP while events wait in it.
    const seen = { running: 0, peak: 0, handled: 0, queueSnapshot: undefined as any };
    const subscriptions = (sb.sandbox.bus as unknown as { subscriptions: { functionName: string; handler: LocalHandler }[] }).subscriptions;
    for (const subscription of subscriptions.filter((s) => s.functionName === 'scaler')) {
      const inner = subscription.handler;
      subscription.handler = async (event, context) => {
        seen.running += 1;
        seen.peak = Math.max(seen.peak, seen.running);
        try {
          if (!seen.queueSnapshot && sb.sandbox.bus.concurrency().scaler!.queued > 0) {
            seen.queueSnapshot = (await sb.http('GET', '/sandbox/events')).body.functions.scaler;
          }
          return await inner(event, context);
        } finally {
          seen.handled += 1;
          seen.running -= 1;
        }
      };
    }

    const answers = await Promise.all(names.map((service) => sb.http('POST', '/sandbox/metrics', { service, metric: 'http_rps', value: 200 })));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    await sb.sandbox.alarms.settled();
    await sb.sandbox.bus.drain();

    expect(seen.peak).toBe(LIMIT);
    expect(seen.handled).toBe(SERVICES);
    expect(seen.queueSnapshot).toMatchObject({ limit: LIMIT });
    expect(seen.queueSnapshot.running).toBeLessThanOrEqual(LIMIT);
    expect(seen.queueSnapshot.queued).toBeGreaterThan(0);
    expect(names.filter((name) => sb.replicas('load', name) !== 4)).toEqual([]);
    expect((await sb.http('GET', '/sandbox/dead-letters')).body.items).toEqual([]);
    expect((await sb.http('GET', '/sandbox/events')).body.functions.scaler).toEqual({ limit: LIMIT, running: 0, queued: 0 });
  });
});
