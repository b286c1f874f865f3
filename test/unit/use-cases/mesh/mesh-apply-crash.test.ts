import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyChain } from '#domain/audit.ts';
import type { ChangeProbe } from '#ports/audit-outbox.ts';
import { drainAuditOutbox } from '#use-cases/drain-audit-outbox.ts';
import { applyManifest } from '#use-cases/mesh/apply.ts';
import { meshObjectProbes } from '#use-cases/mesh/apply-objects.ts';
import { meshProbes } from '#use-cases/mesh/mesh-records.ts';
import { stateProbes } from '#use-cases/state-probes.ts';
import { Crash } from '../crash-harness.ts';
import { memoryMeshPorts } from '../memory-mesh-ports.ts';

const SEEDS = path.resolve(import.meta.dirname, '../../../fixtures/seeds');
const receipt = fs.readFileSync(`${SEEDS}/receipt.hms.yml`, 'utf8');
const caller = { actor: 'alice', requestId: 'r-1' };
const PORT_NAMES = ['mesh', 'meshStore', 'store', 'audit', 'auditOutbox', 'metrics', 'cluster'] as const;

type Ports = ReturnType<typeof memoryMeshPorts>['ports'];

function fresh() {
  const made = memoryMeshPorts();
  made.ports.cluster.replicas = 1;
  return made;
}

/** What the apply leaves, without times and uids: the objects, the registry entry, the hms-sys service and rules, the replicas. */
async function outcome(ports: Ports) {
  const objects = [...ports.mesh.objects.entries()]
    .map(([key, s]) => [
      key,
      JSON.stringify({ ...s.object, metadata: { ...s.object.metadata, uid: '', resourceVersion: '', managedFields: [], generation: 0 } }),
    ])
    .sort();
  const { appliedAt: _a, version: _v, ruleId, ...entry } = (await ports.meshStore.get('service', 'receipt-svc')) ?? { appliedAt: '', version: 0, ruleId: '' };
  // A rule number taken by a run killed before its rule was stored is skipped: the id may differ, not the rule.
  const rules = (await ports.store.listRules()).map((r) => [r.service, r.minReplicas, r.maxReplicas, r.trigger.metric, r.ruleId === ruleId]);
  return { objects, entry, service: (await ports.store.getService('receipt-svc'))?.deployment, rules, replicas: ports.cluster.replicas };
}

/** The drainer past its grace, answering the mesh's and the control plane's probes, as the mesh function and the reconciler do. */
async function drain(ports: Ports, clock: { current: Date }) {
  clock.current = new Date(clock.current.getTime() + 3_600_000);
  const answers = [meshObjectProbes(ports), meshProbes(ports), stateProbes(ports)];
  const probes = async (probe: ChangeProbe) => {
    for (const answer of answers) {
      const stood = await answer(probe);
      if (stood !== null) return stood;
    }
    return null;
  };
  return drainAuditOutbox(ports, { probes, graceMs: 900_000 });
}

describe('applyManifest under at-least-once delivery and crashes', () => {
  it('killed before any call, then replayed, ends where one clean apply ends, with every intent settled and every chain intact', async () => {
    const reference = fresh();
    const rehearsal = new Crash();
    await applyManifest(rehearsal.wrapAll(reference.ports, PORT_NAMES), caller, receipt, { dryRun: false });
    const expected = await outcome(reference.ports);
    expect(rehearsal.calls.length).toBeGreaterThan(20);

    for (let at = 0; at <= rehearsal.calls.length; at += 1) {
      const { ports, clock } = fresh();
      const crash = new Crash(at);
      await applyManifest(crash.wrapAll(ports, PORT_NAMES), caller, receipt, { dryRun: false }).catch(() => undefined);
      const where = `killed before call ${at} (${rehearsal.calls[at] ?? 'none'})`;
      // The client retries (at-least-once): the replay finishes the job.
      await applyManifest(ports, { ...caller, requestId: 'r-2' }, receipt, { dryRun: false });
      expect(await outcome(ports), where).toEqual(expected);
      const report = await drain(ports, clock);
      expect(report.failed, where).toBe(0);
      expect(await ports.auditOutbox.list(100), where).toEqual([]);
      const streams = new Set(ports.audit.records.map((r) => r.stream));
      for (const stream of streams) expect(verifyChain(ports.audit.records.filter((r) => r.stream === stream)), `${where}: ${stream}`).toBeNull();
      // Each intent is recorded once: no record's intent appears twice.
      const intents = ports.audit.records.map((r) => r.intent).filter(Boolean);
      expect(new Set(intents).size, where).toBe(intents.length);
    }
  });

  it('the same request delivered twice at once leaves one rule and one registry entry', async () => {
    const { ports } = fresh();
    const results = await Promise.allSettled([
      applyManifest(ports, caller, receipt, { dryRun: false }),
      applyManifest(ports, caller, receipt, { dryRun: false }),
    ]);
    // One may lose a conditional write (409, retryable); a replay then finds everything done.
    if (results.some((r) => r.status === 'rejected')) await applyManifest(ports, caller, receipt, { dryRun: false });
    expect((await ports.store.listRules()).filter((r) => r.service === 'receipt-svc')).toHaveLength(1);
    expect(await ports.meshStore.list('service')).toHaveLength(1);
  });
});
