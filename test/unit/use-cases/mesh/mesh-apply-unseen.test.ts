import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '#domain/mesh/kube-resources.ts';
import type { ApplyOptions } from '#ports/mesh-cluster.ts';
import { drainAuditOutbox } from '#use-cases/drain-audit-outbox.ts';
import { applyManifest } from '#use-cases/mesh/apply.ts';
import { meshObjectProbes } from '#use-cases/mesh/apply-objects.ts';
import { podsStep } from '#use-cases/mesh/deploy-workload.ts';
import { reapplyService } from '#use-cases/mesh/reapply.ts';
import { Crash } from '../crash-harness.ts';
import { memoryMeshPorts } from '../memory-mesh-ports.ts';

const SEEDS = path.resolve(import.meta.dirname, '../../../fixtures/seeds');
const seed = (file: string) => fs.readFileSync(`${SEEDS}/${file}`, 'utf8');
const caller = { actor: 'alice', requestId: 'r-1' };
type Ports = ReturnType<typeof memoryMeshPorts>['ports'];

/** A mutating admission webhook that stamps every write of a VirtualService: a change object-diff.ts cannot see coming. */
function stampVirtualServices(ports: Ports): void {
  const apply = ports.mesh.apply.bind(ports.mesh);
  let stamp = 0;
  ports.mesh.apply = async (cluster: string, object: KubeObject, options: ApplyOptions = {}) => {
    const result = await apply(cluster, object, options);
    if (object.kind !== 'VirtualService') return result;
    stamp += 1;
    const { name, namespace } = object.metadata;
    const annotations = { 'webhook.example/stamp': String(stamp) };
    return ports.mesh.applyAs(
      'admission-webhook',
      { apiVersion: object.apiVersion, kind: object.kind, metadata: { name, namespace, annotations } },
      { ...options, force: true },
    );
  };
}

describe('a change the server makes that the diff did not show', () => {
  it('is applied under its audit intent: a process killed right after the write leaves the intent, and the drainer records it', async () => {
    const { ports, clock } = memoryMeshPorts();
    await applyManifest(ports, caller, seed('fraud-scanner.yaml'), { dryRun: false });
    stampVirtualServices(ports);
    const crash = new Crash('audit.append');
    const names = ['mesh', 'meshStore', 'audit', 'auditOutbox', 'metrics'] as const;
    await reapplyService(crash.wrapAll(ports, names), 'fraud-scanner', caller, { dryRun: false, why: 'a pause' }).catch(() => undefined);
    expect(crash.killed).toBe(true);
    expect(await ports.auditOutbox.list(10)).toHaveLength(1);
    clock.current = new Date(clock.current.getTime() + 3_600_000);
    const report = await drainAuditOutbox(ports, { probes: meshObjectProbes(ports), graceMs: 900_000 });
    expect(report.appended).toBe(1);
    const recorded = ports.audit.records.filter((r) => r.action === 'mesh.apply' && r.target === 'VirtualService/irs/fraud-scanner');
    expect(recorded.at(-1)).toMatchObject({
      outcome: 'success',
      reasons: expect.arrayContaining(['a pause', 'the server changes what the diff does not show']),
    });
  });

  it('an object neither the diff nor the server would change is not written at all', async () => {
    const { ports } = memoryMeshPorts();
    await applyManifest(ports, caller, seed('fraud-scanner.yaml'), { dryRun: false });
    const [writes, records] = [ports.mesh.writes.length, ports.audit.records.length];
    const changes = await reapplyService(ports, 'fraud-scanner', caller, { dryRun: false, why: 'a repeat' });
    expect(changes.every((c) => c.action === 'unchanged')).toBe(true);
    expect([ports.mesh.writes.length, ports.audit.records.length]).toEqual([writes, records]);
  });
});

describe('the pods step claims only what the Deployment’s rollout status says', () => {
  async function rolledOut(status: Record<string, number>) {
    const { ports } = memoryMeshPorts();
    await applyManifest(ports, caller, seed('receipt.hms.yml'), { dryRun: false });
    // The Deployment controller's report, as an API server carries it: spec at generation 2 (image 1.1).
    const stored = ports.mesh.objects.get('Deployment/irs/receipt-svc')!.object;
    stored.metadata.generation = 2;
    stored.spec = { ...(stored.spec as object), replicas: 2 };
    stored.status = status;
    return podsStep(ports, { cluster: 'sandbox', service: 'receipt-svc', namespace: 'irs' }, 'ghcr.io/gov/receipt:1.1');
  }

  it('mid-rollout, old pods counted by readyReplicas are not claimed: 1 of 2 new pods ready, the rollout goes on', async () => {
    const step = await rolledOut({ observedGeneration: 2, replicas: 3, updatedReplicas: 1, readyReplicas: 3, availableReplicas: 3 });
    expect(step).toEqual({
      ok: false,
      text: '1/2 pods of ghcr.io/gov/receipt:1.1 ready; the rollout goes on (waiting for 1 out of 2 new replicas to be updated)',
    });
  });

  it('a spec the controller has not observed yet claims nothing, even with every old pod ready', async () => {
    const step = await rolledOut({ observedGeneration: 1, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 });
    expect(step.ok).toBe(false);
    expect(step.text).toContain('waiting for the deployment spec update to be observed');
  });

  it('a complete rollout is "2/2 pods ready (image)"', async () => {
    const step = await rolledOut({ observedGeneration: 2, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 });
    expect(step).toEqual({ ok: true, text: '2/2 pods ready (ghcr.io/gov/receipt:1.1)' });
  });
});
