import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError } from '#domain/errors.ts';
import { breakerAlarmName } from '#domain/mesh/breaker-alarm.ts';
import type { KubeObject } from '#domain/mesh/kube-resources.ts';
import { applyManifest, applyPolicy } from '#use-cases/mesh/apply.ts';
import { deletePolicy } from '#use-cases/mesh/policies.ts';
import { reapplyService } from '#use-cases/mesh/reapply.ts';
import { Crash } from '../crash-harness.ts';
import { memoryMeshPorts } from '../memory-mesh-ports.ts';

const SEEDS = path.resolve(import.meta.dirname, '../../../fixtures/seeds');
const seed = (file: string) => fs.readFileSync(`${SEEDS}/${file}`, 'utf8');
const policyFile = seed('policies/irs-fraud.yml');
const caller = { actor: 'alice', requestId: 'r-1' };
const PORT_NAMES = ['mesh', 'meshStore', 'store', 'audit', 'auditOutbox', 'metrics', 'cluster'] as const;
type Ports = ReturnType<typeof memoryMeshPorts>['ports'];

/** Chapter 7's two pods; `sourceNamespace` puts return-intake elsewhere, so the destination's AuthorizationPolicy must allow it. */
async function chapter7(sourceNamespace = 'irs'): Promise<Ports> {
  const { ports } = memoryMeshPorts();
  await applyManifest(ports, caller, seed('fraud-scanner.yaml'), { dryRun: false });
  const source = seed('return-intake.yaml').replace('  name: return-intake', `  name: return-intake\n  namespace: ${sourceNamespace}`);
  await applyManifest(ports, caller, source, { dryRun: false });
  return ports;
}
const object = (ports: Ports, key: string): KubeObject | undefined => ports.mesh.objects.get(key)?.object;
const routesCaller = (ports: Ports, service: string) =>
  JSON.stringify(object(ports, `VirtualService/irs/${service}`)).includes('"sourceLabels":{"app":"return-intake"}');
const allowsCaller = (ports: Ports, service: string) => JSON.stringify(object(ports, `AuthorizationPolicy/irs/${service}`)).includes('"fema"');

describe('a refused TrafficPolicy is not stored', () => {
  it('a 409 from the API server (a field another manager owns) stores nothing, and a later reapply does not carry the policy', async () => {
    const ports = await chapter7();
    const vs = object(ports, 'VirtualService/irs/fraud-scanner')!;
    // A user's kubectl takes spec.http over with another value.
    await ports.mesh.applyAs(
      'kubectl',
      { apiVersion: vs.apiVersion, kind: vs.kind, metadata: { name: 'fraud-scanner', namespace: 'irs' }, spec: { http: [] } },
      { force: true },
    );
    const err = await applyPolicy(ports, caller, policyFile, { dryRun: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect((err as ConflictError).code).toBe('field_owned_by_another_manager');
    expect(await ports.meshStore.get('policy', 'fraud-scan-policy')).toBeNull();
    expect(ports.audit.records.some((r) => r.action.startsWith('mesh.policy'))).toBe(false);
    expect(ports.metrics.alarms.has(breakerAlarmName('fraud-scanner'))).toBe(false);
    // kubectl lets go of the field; a reapply (a pause, a breaker) renders what is stored: no policy.
    await ports.mesh.applyAs('kubectl', { apiVersion: vs.apiVersion, kind: vs.kind, metadata: { name: 'fraud-scanner', namespace: 'irs' } });
    await reapplyService(ports, 'fraud-scanner', caller, { dryRun: false, why: 'test' });
    expect(routesCaller(ports, 'fraud-scanner')).toBe(false);
  });

  it('killed at any call: a stored policy is always one whose objects were applied, and the replay ends where one clean apply ends', async () => {
    const rehearsal = new Crash();
    await applyPolicy(rehearsal.wrapAll(await chapter7(), PORT_NAMES), caller, policyFile, { dryRun: false });
    expect(rehearsal.calls.length).toBeGreaterThan(10);
    for (let at = 0; at <= rehearsal.calls.length; at += 1) {
      const ports = await chapter7();
      const where = `killed before call ${at} (${rehearsal.calls[at] ?? 'none'})`;
      await applyPolicy(new Crash(at).wrapAll(ports, PORT_NAMES), caller, policyFile, { dryRun: false }).catch(() => undefined);
      if (await ports.meshStore.get('policy', 'fraud-scan-policy')) expect(routesCaller(ports, 'fraud-scanner'), where).toBe(true);
      await applyPolicy(ports, { ...caller, requestId: 'r-2' }, policyFile, { dryRun: false });
      expect(routesCaller(ports, 'fraud-scanner'), where).toBe(true);
      expect((await ports.meshStore.get('policy', 'fraud-scan-policy'))?.policy.spec.destination, where).toBe('fraud-scanner');
      expect(ports.metrics.alarms.has(breakerAlarmName('fraud-scanner')), where).toBe(true);
    }
  });
});

describe('a policy’s destination changes, a policy is deleted', () => {
  const auditScanner = seed('fraud-scanner.yaml').replaceAll('fraud-scanner', 'audit-scanner');
  const moved = policyFile.replace('destination: fraud-scanner', 'destination: audit-scanner');

  it('the old destination is re-rendered without it: route, connection limit, allowance and breaker alarm go', async () => {
    const ports = await chapter7('fema');
    await applyManifest(ports, caller, auditScanner, { dryRun: false });
    await applyPolicy(ports, caller, policyFile, { dryRun: false });
    expect([routesCaller(ports, 'fraud-scanner'), allowsCaller(ports, 'fraud-scanner')]).toEqual([true, true]);
    expect(JSON.stringify(object(ports, 'DestinationRule/irs/fraud-scanner'))).toContain('"maxConnections":1000');
    const result = await applyPolicy(ports, caller, moved, { dryRun: false });
    expect([routesCaller(ports, 'fraud-scanner'), allowsCaller(ports, 'fraud-scanner')]).toEqual([false, false]);
    expect(JSON.stringify(object(ports, 'DestinationRule/irs/fraud-scanner') ?? {})).not.toContain('maxConnections');
    expect(ports.metrics.alarms.has(breakerAlarmName('fraud-scanner'))).toBe(false);
    expect([routesCaller(ports, 'audit-scanner'), ports.metrics.alarms.has(breakerAlarmName('audit-scanner'))]).toEqual([true, true]);
    expect(result.steps.map((s) => s.text)).toContainEqual(expect.stringMatching(/^Applied live to fraud-scanner: /));
  });

  it('a policy name taken in another namespace is a 409 naming metadata.name, with nothing written', async () => {
    const ports = await chapter7();
    await applyPolicy(ports, caller, policyFile, { dryRun: false });
    const writes = ports.mesh.writes.length;
    const other = policyFile.replace('  name: fraud-scan-policy', '  name: fraud-scan-policy\n  namespace: fema');
    const err = await applyPolicy(ports, caller, other, { dryRun: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect([(err as ConflictError).code, (err as ConflictError).field]).toEqual(['name_taken', 'metadata.name']);
    expect(ports.mesh.writes.length).toBe(writes);
    expect((await ports.meshStore.get('policy', 'fraud-scan-policy'))?.policy.metadata.namespace).toBe('irs');
  });

  it('deletePolicy re-renders the destination without it, then deletes it, audited; a dry run changes nothing; an unknown name is a 404', async () => {
    const ports = await chapter7('fema');
    await applyPolicy(ports, caller, policyFile, { dryRun: false });
    const writes = ports.mesh.writes.length;
    const dry = await deletePolicy(ports, caller, 'fraud-scan-policy', { dryRun: true });
    expect(dry.objects.some((o) => o.action !== 'unchanged')).toBe(true);
    expect([ports.mesh.writes.length, routesCaller(ports, 'fraud-scanner'), allowsCaller(ports, 'fraud-scanner')]).toEqual([writes, true, true]);
    expect(await ports.meshStore.get('policy', 'fraud-scan-policy')).not.toBeNull();
    const result = await deletePolicy(ports, caller, 'fraud-scan-policy', { dryRun: false });
    expect(result.steps[0]).toEqual({ ok: true, text: 'TrafficPolicy fraud-scan-policy deleted' });
    expect([routesCaller(ports, 'fraud-scanner'), allowsCaller(ports, 'fraud-scanner')]).toEqual([false, false]);
    expect(ports.metrics.alarms.has(breakerAlarmName('fraud-scanner'))).toBe(false);
    expect(await ports.meshStore.get('policy', 'fraud-scan-policy')).toBeNull();
    expect(ports.audit.records.filter((r) => r.action === 'mesh.policy.delete')).toHaveLength(1);
    expect(await ports.auditOutbox.list(10)).toEqual([]);
    await expect(deletePolicy(ports, caller, 'fraud-scan-policy', { dryRun: false })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('deletePolicy killed at any call: a policy gone from the store is gone from the objects, and the retry finishes', async () => {
    const prepared = async () => {
      const ports = await chapter7();
      await applyPolicy(ports, caller, policyFile, { dryRun: false });
      return ports;
    };
    const rehearsal = new Crash();
    await deletePolicy(rehearsal.wrapAll(await prepared(), PORT_NAMES), caller, 'fraud-scan-policy', { dryRun: false });
    for (let at = 0; at <= rehearsal.calls.length; at += 1) {
      const ports = await prepared();
      const where = `killed before call ${at} (${rehearsal.calls[at] ?? 'none'})`;
      await deletePolicy(new Crash(at).wrapAll(ports, PORT_NAMES), caller, 'fraud-scan-policy', { dryRun: false }).catch(() => undefined);
      if ((await ports.meshStore.get('policy', 'fraud-scan-policy')) === null) {
        expect([routesCaller(ports, 'fraud-scanner'), ports.metrics.alarms.has(breakerAlarmName('fraud-scanner'))], where).toEqual([false, false]);
      } else await deletePolicy(ports, { ...caller, requestId: 'r-2' }, 'fraud-scan-policy', { dryRun: false });
      expect([routesCaller(ports, 'fraud-scanner'), await ports.meshStore.get('policy', 'fraud-scan-policy')], where).toEqual([false, null]);
    }
  });
});
