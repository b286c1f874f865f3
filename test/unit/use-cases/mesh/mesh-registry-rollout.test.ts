import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyManifest } from '#use-cases/mesh/apply.ts';
import { getRegistryEntry } from '#use-cases/mesh/registry.ts';
import { memoryMeshPorts } from '../memory-mesh-ports.ts';

const SEEDS = path.resolve(import.meta.dirname, '../../../fixtures/seeds');
const seed = (file: string) => fs.readFileSync(`${SEEDS}/${file}`, 'utf8');
const caller = { actor: 'alice', requestId: 'r-1' };

describe('GET /registry/{name}: the rollout of the Deployment hms-sys rendered', () => {
  it('says what the Deployment’s status says now: nothing ready before the controller reports, complete once it does', async () => {
    const { ports } = memoryMeshPorts();
    await applyManifest(ports, caller, seed('receipt.hms.yml'), { dryRun: false });
    const before = await getRegistryEntry(ports, 'receipt-svc');
    expect(before.rollout).toMatchObject({ deployment: 'receipt-svc', image: 'ghcr.io/gov/receipt:1.0', ready: 0, complete: false });
    // The Deployment controller's report, as an API server would carry it.
    const stored = ports.mesh.objects.get('Deployment/irs/receipt-svc')!.object;
    stored.spec = { ...(stored.spec as object), replicas: 2 };
    stored.status = { observedGeneration: stored.metadata.generation ?? 1, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 };
    const after = await getRegistryEntry(ports, 'receipt-svc');
    expect(after.rollout).toEqual({
      deployment: 'receipt-svc',
      image: 'ghcr.io/gov/receipt:1.0',
      desired: 2,
      updated: 2,
      ready: 2,
      observed: true,
      complete: true,
    });
  });

  it('has no rollout for a manifest that names no image: the workload is the team’s own', async () => {
    const { ports } = memoryMeshPorts();
    await applyManifest(ports, caller, seed('manifests/notification.yaml'), { dryRun: false });
    const entry = await getRegistryEntry(ports, 'notification-svc');
    expect(entry.name).toBe('notification-svc');
    expect(entry.rollout).toBeUndefined();
  });
});
