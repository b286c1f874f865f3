import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HmsError } from '#domain/errors.ts';
import { diffObjects } from '#domain/mesh/object-diff.ts';
import { applyManifest, applyPolicy } from '#use-cases/mesh/apply.ts';
import { deletePolicy } from '#use-cases/mesh/policies.ts';
import { renderFor } from '#use-cases/mesh/reapply.ts';
import { memoryMeshPorts } from '../memory-mesh-ports.ts';
import { type MeshTestPorts, stalledAt } from './stalled-ports.ts';

// Two TrafficPolicies to one destination at once: policy A's apply is stalled before each of its
// port calls in turn while B's runs whole. Whatever the point, the destination's objects end as
// every stored policy renders them (both routes), not as the last one alone.

type Ports = MeshTestPorts;
const SEEDS = path.resolve(import.meta.dirname, '../../../fixtures/seeds');
const seed = (file: string) => fs.readFileSync(`${SEEDS}/${file}`, 'utf8');
const caller = (actor: string) => ({ actor, requestId: `r-${actor}` });
const policyA = seed('policies/irs-fraud.yml');
const policyB = policyA.replace('name: fraud-scan-policy', 'name: receipt-fraud-policy').replace('source: return-intake', 'source: receipt-svc');

async function chapter7(): Promise<Ports> {
  const { ports } = memoryMeshPorts();
  for (const file of ['fraud-scanner.yaml', 'return-intake.yaml', 'receipt.hms.yml'])
    await applyManifest(ports, caller('setup'), seed(file), { dryRun: false });
  return ports;
}

const settle = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (err: unknown) => (err instanceof HmsError ? err.code : `thrown: ${String(err)}`),
  );

/** The destination's live objects are what the store renders: every stored policy's route. */
async function expectRendersStore(ports: Ports, where: string) {
  const entry = await ports.meshStore.get('service', 'fraud-scanner');
  if (!entry) throw new Error('fraud-scanner is not registered');
  const rendered = await renderFor(ports, entry.manifest);
  for (const o of rendered.objects) {
    const live = ports.mesh.objects.get(`${o.kind}/${o.metadata.namespace}/${o.metadata.name}`)?.object ?? null;
    expect(diffObjects(live, o), `${where}: ${o.kind}`).toEqual([]);
  }
  const vs = JSON.stringify(ports.mesh.objects.get(`VirtualService/${entry.namespace}/fraud-scanner`)?.object);
  for (const p of await ports.meshStore.list('policy'))
    expect(vs, `${where}: route of ${p.name}`).toContain(`"sourceLabels":{"app":"${p.policy.spec.source}"}`);
}

async function interleave(at: number, a: (p: Ports) => Promise<unknown>, b: (p: Ports) => Promise<unknown>, prepare?: (p: Ports) => Promise<unknown>) {
  const ports = await chapter7();
  if (prepare) await prepare(ports);
  const stalled = stalledAt(ports, at);
  const runA = settle(a(stalled.ports));
  await Promise.race([stalled.reached, runA]);
  const outcomeB = await settle(b(ports));
  stalled.resume();
  return { ports, outcomes: [await runA, outcomeB], calls: stalled.calls() };
}

describe('two TrafficPolicies to one destination at once', () => {
  const applyA = (p: Ports) => applyPolicy(p, caller('a'), policyA, { dryRun: false });
  const applyB = (p: Ports) => applyPolicy(p, caller('b'), policyB, { dryRun: false });

  it('both applied, A stalled before each of its calls: both are stored and the VirtualService routes both', async () => {
    const rehearsal = await interleave(Number.POSITIVE_INFINITY, applyA, applyB);
    expect(rehearsal.calls).toBeGreaterThan(10);
    for (let at = 0; at < rehearsal.calls; at++) {
      const { ports, outcomes } = await interleave(at, applyA, applyB);
      const where = `A stalled before call ${at}: ${outcomes.join(', ')}`;
      expect(outcomes, where).toEqual(['ok', 'ok']);
      expect((await ports.meshStore.list('policy')).map((p) => p.name).sort(), where).toEqual(['fraud-scan-policy', 'receipt-fraud-policy']);
      await expectRendersStore(ports, where);
    }
  });

  it('one deleted while the other is applied: the objects follow the store at every point', async () => {
    const deleteA = (p: Ports) => deletePolicy(p, caller('a'), 'fraud-scan-policy', { dryRun: false });
    const rehearsal = await interleave(Number.POSITIVE_INFINITY, deleteA, applyB, applyA);
    for (let at = 0; at < rehearsal.calls; at++) {
      const { ports, outcomes } = await interleave(at, deleteA, applyB, applyA);
      const where = `delete stalled before call ${at}: ${outcomes.join(', ')}`;
      expect(outcomes, where).toEqual(['ok', 'ok']);
      expect(
        (await ports.meshStore.list('policy')).map((p) => p.name),
        where,
      ).toEqual(['receipt-fraud-policy']);
      await expectRendersStore(ports, where);
    }
  });

  it('two at once with Promise.all: both stored, both routed', async () => {
    const ports = await chapter7();
    expect(await Promise.all([settle(applyA(ports)), settle(applyB(ports))])).toEqual(['ok', 'ok']);
    await expectRendersStore(ports, 'Promise.all');
  });
});
