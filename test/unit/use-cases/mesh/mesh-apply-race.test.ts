import { describe, expect, it } from 'vitest';
import { HmsError } from '#domain/errors.ts';
import { SERVICE_LABEL } from '#domain/mesh/kube-resources.ts';
import { diffObjects } from '#domain/mesh/object-diff.ts';
import { createMeshHandler } from '#functions/mesh/mesh.ts';
import { lambdaContext } from '#sandbox/local-bus.ts';
import { applyManifest } from '#use-cases/mesh/apply.ts';
import { refOf } from '#use-cases/mesh/apply-objects.ts';
import { renderFor } from '#use-cases/mesh/reapply.ts';
import { memoryMeshPorts } from '../memory-mesh-ports.ts';
import { type MeshTestPorts, stalledAt } from './stalled-ports.ts';

// Two applies of one name interleaved: apply A is stalled before each of its port calls in turn
// while apply B runs whole, then A goes on. Whatever the point, the cluster, the hms-sys service,
// its rule and the registry end on ONE manifest, and a loser of another namespace wrote nothing.

type Ports = MeshTestPorts;
const caller = (actor: string) => ({ actor, requestId: `r-${actor}` });
const manifest = (port: number, namespace = 'irs') =>
  `name: race-svc\nnamespace: ${namespace}\nversion: 1.0.${port}\nimage: ghcr.io/gov/race:${port}\nport: ${port}\nroutes: [{path: /race, methods: [POST]}]\nscaling: {min: 2, max: ${port - 7990}}\n`;

/** The mesh function invoked by its MeshPendingApplies schedule, as EventBridge invokes it. */
async function meshTick(ports: Ports) {
  const handler = createMeshHandler(async () => ({ ports, controllerActor: 'role/hms-sys-mesh' }), { error: () => {} });
  const event = {
    id: 'tick-1',
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    resources: ['arn:aws:events:local:000000000000:rule/MeshPendingApplies'],
    detail: {},
  };
  expect(await handler(event, lambdaContext('mesh'))).toEqual({ finished: expect.any(Array) });
}

const settle = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (err: unknown) => (err instanceof HmsError ? (err.code === 'conflict' ? `conflict: ${err.message}` : err.code) : `thrown: ${String(err)}`),
  );

/** Cluster, hms-sys service, rule and registry agree on the stored manifest, nothing is marked applying, nothing lives elsewhere. */
async function expectConverged(ports: Ports, where: string) {
  const entry = await ports.meshStore.get('service', 'race-svc');
  expect(entry, where).not.toBeNull();
  if (!entry) return;
  expect(entry.applying, where).toBeUndefined();
  const rendered = await renderFor(ports, entry.manifest);
  for (const o of rendered.objects) {
    const live = ports.mesh.objects.get(`${o.kind}/${o.metadata.namespace}/${o.metadata.name}`)?.object ?? null;
    expect(diffObjects(live, o), `${where}: ${o.kind}`).toEqual([]);
  }
  const mine = [...ports.mesh.objects.values()].filter((s) => s.object.metadata.labels?.[SERVICE_LABEL] === 'race-svc');
  expect(
    mine.map((s) => s.object.metadata.namespace).filter((ns) => ns !== entry.namespace),
    where,
  ).toEqual([]);
  expect(mine.length, where).toBe(rendered.objects.length);
  expect(entry.objects, where).toEqual(rendered.objects.map(refOf));
  const service = await ports.store.getService('race-svc');
  expect(service?.namespace, where).toBe(entry.namespace);
  const rules = (await ports.store.listRules()).filter((r) => r.service === 'race-svc' && !r.deleting);
  expect(
    rules.map((r) => [r.ruleId, r.maxReplicas]),
    where,
  ).toEqual([[entry.ruleId, entry.manifest.spec.scaling?.max]]);
}

async function interleave(at: number, a: string, b: string) {
  const { ports } = memoryMeshPorts();
  const stalled = stalledAt(ports, at);
  const applyA = settle(applyManifest(stalled.ports, caller('a'), a, { dryRun: false }));
  await Promise.race([stalled.reached, applyA]);
  const outcomeB = await settle(applyManifest(ports, caller('b'), b, { dryRun: false }));
  stalled.resume();
  return { ports, outcomes: [await applyA, outcomeB], calls: stalled.calls() };
}

describe('two applies of one name, A stalled before each of its calls while B runs', () => {
  it('same namespace, ports 8000 and 8001: every point converges on one manifest; a loser is 409 apply_superseded', async () => {
    const rehearsal = await interleave(Number.POSITIVE_INFINITY, manifest(8000), manifest(8001));
    expect(rehearsal.calls).toBeGreaterThan(20);
    for (let at = 0; at < rehearsal.calls; at++) {
      const { ports, outcomes } = await interleave(at, manifest(8000), manifest(8001));
      const where = `A stalled before call ${at}: ${outcomes.join(', ')}`;
      for (const o of outcomes) expect(['ok', 'apply_superseded'], where).toContain(o);
      expect(outcomes, where).toContain('ok');
      await expectConverged(ports, where);
    }
  });

  it('namespaces irs and fema: the loser is 409 name_taken and wrote nothing to the cluster, at every point', async () => {
    const rehearsal = await interleave(Number.POSITIVE_INFINITY, manifest(8000, 'irs'), manifest(8001, 'fema'));
    for (let at = 0; at < rehearsal.calls; at++) {
      const { ports, outcomes } = await interleave(at, manifest(8000, 'irs'), manifest(8001, 'fema'));
      const where = `A stalled before call ${at}: ${outcomes.join(', ')}`;
      expect([...outcomes].sort(), where).toEqual(['name_taken', 'ok']);
      await expectConverged(ports, where);
    }
  });
});

describe('many applies at once, and a process killed after its claim', () => {
  it('six applies of one new name, ports 8000–8005, end on one manifest everywhere', async () => {
    const { ports } = memoryMeshPorts();
    const outcomes = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => settle(applyManifest(ports, caller(`u${i}`), manifest(8000 + i), { dryRun: false }))));
    expect(outcomes).toContain('ok');
    for (const o of outcomes) expect(['ok', 'apply_superseded']).toContain(o);
    await expectConverged(ports, outcomes.join(', '));
  });

  it('four applies in four namespaces: one wins, three are name_taken, and only the winner’s namespace has objects', async () => {
    const { ports } = memoryMeshPorts();
    ports.meshConfig = { ...ports.meshConfig, managedNamespaces: ['irs', 'fema', 'ssa', 'va'] };
    const outcomes = await Promise.all(
      ['irs', 'fema', 'ssa', 'va'].map((ns, i) => settle(applyManifest(ports, caller(ns), manifest(8000 + i, ns), { dryRun: false }))),
    );
    expect([...outcomes].sort()).toEqual(['name_taken', 'name_taken', 'name_taken', 'ok']);
    await expectConverged(ports, outcomes.join(', '));
  });

  it('killed at any call after its claim, the apply is finished by the mesh tick, or by the next apply', async () => {
    const rehearsal = await interleave(Number.POSITIVE_INFINITY, manifest(8000), manifest(8001));
    for (let at = 0; at < rehearsal.calls; at++) {
      for (const finisher of ['tick', 'apply'] as const) {
        const { ports } = memoryMeshPorts();
        await applyManifest(ports, caller('x'), manifest(8002), { dryRun: false });
        const killed = stalledAt(ports, at);
        const applyA = settle(applyManifest(killed.ports, caller('a'), manifest(8000), { dryRun: false }));
        await Promise.race([killed.reached, applyA]);
        // Never resumed: the process is gone. What it left is finished from the store.
        if (finisher === 'tick') await meshTick(ports);
        else await applyManifest(ports, caller('b'), manifest(8001), { dryRun: false });
        await expectConverged(ports, `killed before call ${at}, finished by the ${finisher}`);
      }
    }
  });
});
