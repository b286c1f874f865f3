import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '#domain/errors.ts';
import { applyManifest, applyPolicy } from '#use-cases/mesh/apply.ts';
import { deletePolicy } from '#use-cases/mesh/policies.ts';
import { memoryMeshPorts } from '../memory-mesh-ports.ts';

const SEEDS = path.resolve(import.meta.dirname, '../../../fixtures/seeds');
const seed = (file: string) => fs.readFileSync(`${SEEDS}/${file}`, 'utf8');
const caller = { actor: 'alice', requestId: 'r-1' };

describe('/policies/pause is the pause API, never a TrafficPolicy', () => {
  it('a TrafficPolicy named pause is 400 reserved_name on metadata.name, with nothing applied or stored', async () => {
    const { ports } = memoryMeshPorts();
    await applyManifest(ports, caller, seed('fraud-scanner.yaml'), { dryRun: false });
    await applyManifest(ports, caller, seed('return-intake.yaml'), { dryRun: false });
    const before = JSON.stringify([...ports.mesh.objects.values()]);
    const file = seed('policies/irs-fraud.yml').replace(/name: fraud-scan-policy/, 'name: pause');
    expect(file).toContain('name: pause');
    const err = await applyPolicy(ports, caller, file, { dryRun: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect(err).toMatchObject({ code: 'reserved_name', field: 'metadata.name' });
    expect(await ports.meshStore.list('policy')).toEqual([]);
    expect(JSON.stringify([...ports.mesh.objects.values()])).toBe(before);
  });

  it('DELETE /policies/pause (no service) is 400 missing_service naming service, not 404 "TrafficPolicy pause"', async () => {
    const { ports } = memoryMeshPorts();
    const err = await deletePolicy(ports, caller, 'pause', { dryRun: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect(err).toMatchObject({ code: 'missing_service', field: 'service' });
    expect((err as Error).message).toContain('DELETE /policies/pause/{service}');
  });
});
