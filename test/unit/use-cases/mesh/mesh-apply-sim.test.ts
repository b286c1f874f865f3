import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KubernetesCluster } from '#adapters/aws/kubernetes-cluster.ts';
import { KubernetesMesh } from '#adapters/aws/kubernetes-mesh.ts';
import { type K8sSimulator, startK8sSimulator } from '#adapters/local/k8s-simulator.ts';
import type { MeshPorts } from '#ports/ports.ts';
import { applyManifest, applyPolicy } from '#use-cases/mesh/apply.ts';
import { memoryMeshPorts } from '../memory-mesh-ports.ts';

const SEEDS = path.resolve(import.meta.dirname, '../../../fixtures/seeds');
const seed = (file: string) => fs.readFileSync(`${SEEDS}/${file}`, 'utf8');
const caller = { actor: 'alice', requestId: 'r-1' };
const TOKEN = 'mesh-apply-token';

let sim: K8sSimulator;
let ports: MeshPorts;

beforeEach(async () => {
  sim = await startK8sSimulator({ token: TOKEN, podReadyDelayMs: 0 });
  const options = { endpointFor: async () => ({ url: sim.url }), tokenFor: async () => TOKEN, policy: { attempts: 2, baseMs: 1, capMs: 2 } };
  ports = { ...memoryMeshPorts().ports, mesh: new KubernetesMesh(options), cluster: new KubernetesCluster(options) };
});
afterEach(() => sim.close());

/** The API server's own view: every object's resourceVersion, by kind and name. */
async function versions(kinds: string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const plural of kinds) {
    const base =
      plural === 'services'
        ? '/api/v1'
        : plural === 'deployments'
          ? '/apis/apps/v1'
          : plural.includes('authorization') || plural.includes('peer')
            ? '/apis/security.istio.io/v1'
            : '/apis/networking.istio.io/v1';
    const res = await fetch(`${sim.url}${base}/namespaces/irs/${plural}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    for (const item of ((await res.json()) as { items: { metadata: { name: string; resourceVersion: string } }[] }).items)
      out[`${plural}/${item.metadata.name}`] = item.metadata.resourceVersion;
  }
  return out;
}
const KINDS = ['deployments', 'services', 'serviceentries', 'destinationrules', 'virtualservices', 'peerauthentications', 'authorizationpolicies'];

describe('applyManifest against the Kubernetes simulator, through the AWS adapters', () => {
  it('deploys receipt.hms.yml, raises it to scaling.min, and a second apply finds every object unchanged on the server', async () => {
    const first = await applyManifest(ports, caller, seed('receipt.hms.yml'), { dryRun: false });
    expect(first.objects.map((o) => o.action)).toEqual(first.objects.map(() => 'created'));
    expect(first.steps.map((s) => s.text)).toContain('Scaled to 2 pods (scaling.min)');
    expect(first.steps.at(-1)).toEqual({ ok: true, text: '2/2 pods ready (ghcr.io/gov/receipt:1.0)' });
    const before = await versions(KINDS);
    const second = await applyManifest(ports, caller, seed('receipt.hms.yml'), { dryRun: false });
    expect(second.objects.map((o) => [o.ref.kind, o.action, o.diff])).toEqual(first.objects.map((o) => [o.ref.kind, 'unchanged', []]));
    expect(await versions(KINDS)).toEqual(before);
  });

  it('a TrafficPolicy changes the destination’s routes live: no Deployment is written, its pods keep their uids', async () => {
    await applyManifest(ports, caller, seed('fraud-scanner.yaml'), { dryRun: false });
    await applyManifest(ports, caller, seed('return-intake.yaml'), { dryRun: false });
    const pods = async () => {
      const res = await fetch(`${sim.url}/api/v1/namespaces/irs/pods`, { headers: { authorization: `Bearer ${TOKEN}` } });
      return ((await res.json()) as { items: { metadata: { uid: string } }[] }).items.map((p) => p.metadata.uid).sort();
    };
    const uids = await pods();
    const deployment = (await versions(['deployments']))['deployments/fraud-scanner'];
    const result = await applyPolicy(ports, caller, seed('policies/irs-fraud.yml'), { dryRun: false });
    expect(result.objects.find((o) => o.ref.kind === 'VirtualService')?.action).toBe('configured');
    expect(result.objects.find((o) => o.ref.kind === 'DestinationRule')?.action).toMatch(/^(created|configured)$/);
    expect(result.objects.find((o) => o.ref.kind === 'Deployment')?.action).toBe('unchanged');
    expect((await versions(['deployments']))['deployments/fraud-scanner']).toBe(deployment);
    expect(await pods()).toEqual(uids);
  });
});
