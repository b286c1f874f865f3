import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type K8sSimulator, startK8sSimulator } from '#adapters/local/k8s-simulator.ts';

const TOKEN = 'simulator-token';
const PATH = '/apis/apps/v1/namespaces/benefits/deployments/receipt-svc';
const MERGE = 'application/merge-patch+json';

async function call(sim: K8sSimulator, method: string, path: string, body?: unknown, contentType = MERGE) {
  const res = await fetch(`${sim.url}${path}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': contentType },
  });
  return { status: res.status, body: (await res.json()) as any };
}

let dir: string;
let sim: K8sSimulator;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'k8s-sim-metadata-'));
  sim = await startK8sSimulator({ token: TOKEN, podReadyDelayMs: 0, stateFile: join(dir, 'k8s-sim.json'), persistDebounceMs: 0 });
  sim.seedDeployment({ namespace: 'benefits', name: 'receipt-svc', replicas: 2 });
});
afterEach(async () => {
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('metadata edits on a Deployment (kubectl label, annotate, patch)', () => {
  it('stores labels: the resourceVersion moves, the generation does not, and a label selector finds it', async () => {
    const before = (await call(sim, 'GET', PATH)).body;
    const patched = await call(sim, 'PATCH', PATH, { metadata: { labels: { t: '1' } } });
    expect(patched.status).toBe(200);
    expect(patched.body.metadata.labels).toEqual({ ...before.metadata.labels, t: '1' });
    expect(Number(patched.body.metadata.resourceVersion)).toBeGreaterThan(Number(before.metadata.resourceVersion));
    expect(patched.body.metadata.generation).toBe(before.metadata.generation);
    // The selector and the pods keep their labels: metadata labels are the Deployment's own.
    expect(patched.body.spec.selector).toEqual(before.spec.selector);
    const got = (await call(sim, 'GET', PATH)).body;
    expect(got.metadata.labels.t).toBe('1');
    const listed = (await call(sim, 'GET', '/apis/apps/v1/namespaces/benefits/deployments?labelSelector=t%3D1')).body;
    expect(listed.items.map((d: any) => d.metadata.name)).toEqual(['receipt-svc']);
  });

  it('stores annotations, which bump the generation as the Deployment strategy does; null deletes a key (RFC 7396)', async () => {
    const before = (await call(sim, 'GET', PATH)).body;
    const added = await call(sim, 'PATCH', PATH, { metadata: { annotations: { x: 'y', z: '1' } } }, 'application/strategic-merge-patch+json');
    expect(added.status).toBe(200);
    expect(added.body.metadata.annotations).toEqual({ x: 'y', z: '1' });
    expect(added.body.metadata.generation).toBe(before.metadata.generation + 1);
    const removed = await call(sim, 'PATCH', PATH, { metadata: { annotations: { z: null } } });
    expect(removed.body.metadata.annotations).toEqual({ x: 'y' });
    const got = (await call(sim, 'GET', PATH)).body;
    expect(got.metadata.annotations).toEqual({ x: 'y' });
    expect(got.status.observedGeneration).toBe(got.metadata.generation);
  });

  it('keeps them across a restart: the snapshot holds them', async () => {
    await call(sim, 'PATCH', PATH, { metadata: { labels: { t: '1' }, annotations: { x: 'y' } } });
    await sim.close();
    sim = await startK8sSimulator({ token: TOKEN, podReadyDelayMs: 0, stateFile: join(dir, 'k8s-sim.json') });
    expect(sim.resumed).toBe(true);
    const got = (await call(sim, 'GET', PATH)).body;
    expect(got.metadata.labels.t).toBe('1');
    expect(got.metadata.annotations).toEqual({ x: 'y' });
  });

  it('refuses a bad label value with 422 naming metadata.labels, and changes nothing', async () => {
    const before = (await call(sim, 'GET', PATH)).body;
    const answer = await call(sim, 'PATCH', PATH, { metadata: { labels: { t: 'not valid!' } } });
    expect(answer.status).toBe(422);
    expect(answer.body.details.causes[0].field).toBe('metadata.labels');
    expect((await call(sim, 'GET', PATH)).body.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
  });

  it.each([
    ['spec.strategy.type', { spec: { strategy: { type: 'Recreate' } } }, 'FieldValueNotSupported'],
    ['spec.minReadySeconds', { spec: { minReadySeconds: 5 } }, 'FieldValueNotSupported'],
    ['spec.selector.matchLabels.app', { spec: { selector: { matchLabels: { app: 'other' } } } }, 'FieldValueInvalid'],
    ['metadata.finalizers', { metadata: { finalizers: ['example.com/keep'] } }, 'FieldValueNotSupported'],
  ])('refuses a change to %s, which it does not model, with 422 naming the field', async (path, body, reason) => {
    const before = (await call(sim, 'GET', PATH)).body;
    const answer = await call(sim, 'PATCH', PATH, body);
    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({ kind: 'Status', reason: 'Invalid', code: 422, details: { kind: 'Deployment', causes: [{ field: path, reason }] } });
    expect(answer.body.message).toContain(path);
    expect((await call(sim, 'GET', PATH)).body.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
  });

  it('still accepts a patch that restates a field as it is, and strategic-merge directives', async () => {
    const current = (await call(sim, 'GET', PATH)).body;
    const same = await call(sim, 'PATCH', PATH, { spec: { strategy: current.spec.strategy, selector: current.spec.selector } });
    expect(same.status).toBe(200);
    const directive = await call(
      sim,
      'PATCH',
      PATH,
      { metadata: { labels: { t: '2' } }, spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'receipt-svc' }] } } } },
      'application/strategic-merge-patch+json',
    );
    expect(directive.status).toBe(200);
  });

  it.each(['application/json-patch+json', 'text/plain'])('answers 415 for %s, listing the patch types it takes', async (type) => {
    const answer = await call(sim, 'PATCH', PATH, [{ op: 'add', path: '/metadata/labels/t', value: '1' }], type);
    expect(answer.status).toBe(415);
    expect(answer.body.message).toContain('application/merge-patch+json, application/strategic-merge-patch+json');
  });
});
