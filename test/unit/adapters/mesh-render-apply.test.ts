/**
 * The rendering against the simulator's server-side apply: every golden rendering is accepted, reads
 * back with nothing diffObjects would call a change, a second apply changes nothing, and a field the
 * rendering drops shows in the diff as a removal and leaves the cluster.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type K8sSimulator, startK8sSimulator } from '#adapters/local/k8s-simulator.ts';
import { collectionPath, FIELD_MANAGER, type KubeObject, resourceOf } from '#domain/mesh/kube-resources.ts';
import { diffObjects } from '#domain/mesh/object-diff.ts';
import { renderService } from '#domain/mesh/render.ts';
import { GOLDEN_CASES } from '../domain/mesh/render-cases.ts';

const TOKEN = 'render-apply-token';

function pathOf(object: KubeObject): string {
  const resource = resourceOf(object.apiVersion, object.kind);
  if (!resource) throw new Error(`unknown kind ${object.kind}`);
  return `${collectionPath(resource, object.metadata.namespace ?? 'default')}/${object.metadata.name}`;
}

async function call(sim: K8sSimulator, method: string, object: KubeObject, body?: KubeObject) {
  const query = body ? `?fieldManager=${FIELD_MANAGER}` : '';
  const res = await fetch(`${sim.url}${pathOf(object)}${query}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/apply-patch+yaml', accept: 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: (await res.json()) as KubeObject };
}
const apply = (sim: K8sSimulator, object: KubeObject) => call(sim, 'PATCH', object, object);
const get = (sim: K8sSimulator, object: KubeObject) => call(sim, 'GET', object);

describe('golden renderings through the simulator’s server-side apply', () => {
  let sim: K8sSimulator;
  beforeAll(async () => {
    sim = await startK8sSimulator({ token: TOKEN, podReadyDelayMs: 0 });
  });
  afterAll(() => sim.close());

  it.each(GOLDEN_CASES.map((c) => [c.name, c] as const))('%s: accepted, read back unchanged, and a second apply changes nothing', async (_, c) => {
    for (const object of renderService(c.input()).objects) {
      const first = await apply(sim, object);
      expect(first.status, `${object.kind} ${JSON.stringify(first.body)}`).toBeLessThan(300);
      const live = await get(sim, object);
      expect(diffObjects(live.body, object), object.kind).toEqual([]);
      const again = await apply(sim, object);
      expect(again.body.metadata.resourceVersion, object.kind).toBe(live.body.metadata.resourceVersion);
    }
  });

  it('a resume drops the pause route: the diff says so, and the cluster no longer has it', async () => {
    const paused = GOLDEN_CASES.find((c) => c.name === 'fraud-scanner-paused')?.input();
    if (!paused) throw new Error('no paused case');
    const vsOf = (input: typeof paused) => renderService(input).objects.find((o) => o.kind === 'VirtualService') as KubeObject;
    await apply(sim, vsOf(paused));
    const { pause: _pause, ...resumedInput } = paused;
    const resumed = vsOf(resumedInput);
    const live = await get(sim, resumed);
    expect(diffObjects(live.body, resumed)).toEqual([expect.stringMatching(/^~ spec\.http: \[\{"name":"pause".*→ \[\{"name":"policy-fraud-scan-policy"/)]);
    await apply(sim, resumed);
    const after = await get(sim, resumed);
    expect(JSON.stringify(after.body)).not.toContain('Service Paused');
    expect(diffObjects(after.body, resumed)).toEqual([]);
  });

  it('a field dropped inside a route (an Istio list hms-sys owns whole) is named as a removal too', async () => {
    const policyCase = GOLDEN_CASES.find((c) => c.name === 'fraud-scanner-policy')?.input();
    if (!policyCase) throw new Error('no policy case');
    const vsOf = (input: typeof policyCase) => renderService(input).objects.find((o) => o.kind === 'VirtualService') as KubeObject;
    await apply(sim, vsOf(policyCase));
    const policies = policyCase.policies.map((p) => ({ ...p, spec: { ...p.spec, timeoutMs: undefined } }));
    const withoutTimeout = vsOf({ ...policyCase, policies: JSON.parse(JSON.stringify(policies)) });
    const live = await get(sim, withoutTimeout);
    expect(diffObjects(live.body, withoutTimeout)).toEqual(['- spec.http[0].retries.perTryTimeout: "131ms"', '- spec.http[0].timeout: "800ms"']);
  });

  it('a field the rendering no longer declares is named as a removal, and applying removes it', async () => {
    const notification = GOLDEN_CASES.find((c) => c.name === 'notification')?.input();
    if (!notification) throw new Error('no notification case');
    const dr = (input: typeof notification) => renderService(input).objects.find((o) => o.kind === 'DestinationRule') as KubeObject;
    const withPool = {
      ...notification,
      service: {
        ...notification.service,
        spec: { ...notification.service.spec, circuitBreaker: { consecutiveFailures: 5, resetSeconds: 30, maxConnections: 50 } },
      },
    };
    await apply(sim, dr(withPool));
    const without = dr(notification);
    const live = await get(sim, without);
    expect(diffObjects(live.body, without)).toEqual(['- spec.trafficPolicy.connectionPool: {"tcp":{"maxConnections":50}}']);
    await apply(sim, without);
    const after = await get(sim, without);
    expect((after.body.spec as { trafficPolicy: Record<string, unknown> }).trafficPolicy.connectionPool).toBeUndefined();
  });
});
