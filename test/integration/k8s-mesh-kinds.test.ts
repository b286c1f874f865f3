/**
 * The simulator's mesh kinds and server-side apply, driven by clients nobody here wrote:
 * @kubernetes/client-node 1.4 (KubernetesObjectApi.patch with PatchStrategy.ServerSideApply, its
 * discovery of the Istio kinds) and kubectl (where installed), with the kubeconfig the sandbox writes.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ApiException, CoreV1Api, DiscoveryV1Api, KubeConfig, type KubernetesObject, KubernetesObjectApi, PatchStrategy } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unknownFields } from './client-node-models.ts';
import { kubectlInstalled } from './kubectl-installed.ts';
import { useSandbox } from './sandbox-fixture.ts';

const run = promisify(execFile);

const virtualService = (attempts: number): KubernetesObject & { spec: unknown } => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name: 'eligibility-api', namespace: 'benefits', labels: { 'app.kubernetes.io/managed-by': 'hms-sys' } },
  spec: { hosts: ['eligibility-api'], http: [{ route: [{ destination: { host: 'eligibility-api' } }], retries: { attempts } }] },
});

const service: KubernetesObject & { spec: unknown } = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'eligibility-api', namespace: 'benefits' },
  spec: { selector: { app: 'eligibility-api' }, ports: [{ name: 'http', port: 8080 }] },
};

describe('the mesh kinds through @kubernetes/client-node 1.4 and kubectl', () => {
  const sb = useSandbox();
  const kc = new KubeConfig();
  let objects: KubernetesObjectApi;

  let home: string;

  beforeAll(() => {
    kc.loadFromFile(sb.sandbox.k8s.kubeconfigPath);
    objects = KubernetesObjectApi.makeApiClient(kc);
    // kubectl's discovery cache lives in a throwaway HOME.
    home = mkdtempSync(join(tmpdir(), 'hms-kubectl-mesh-'));
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('applies an Istio object server-side: created, a repeat changes nothing, a change moves generation, a conflict is a 409', async () => {
    const created = await objects.patch(virtualService(2), undefined, undefined, 'hms-sys', false, PatchStrategy.ServerSideApply);
    expect(created.metadata?.managedFields?.[0]).toMatchObject({ manager: 'hms-sys', operation: 'Apply' });
    const again = await objects.patch(virtualService(2), undefined, undefined, 'hms-sys', false, PatchStrategy.ServerSideApply);
    expect(again.metadata?.resourceVersion).toBe(created.metadata?.resourceVersion);
    const changed = await objects.patch(virtualService(3), undefined, undefined, 'hms-sys', false, PatchStrategy.ServerSideApply);
    expect(changed.metadata?.generation).toBe(2);
    const read = (await objects.read({
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'eligibility-api', namespace: 'benefits' },
    })) as any;
    expect(read.spec.http[0].retries.attempts).toBe(3);
    const other = objects.patch(virtualService(5), undefined, undefined, 'someone-else', false, PatchStrategy.ServerSideApply);
    const error = await other.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiException);
    expect((error as ApiException<unknown>).code).toBe(409);
    expect(String((error as ApiException<string>).body)).toContain('conflict with \\"hms-sys\\": .spec.http');
  });

  it('serves Services and EndpointSlices the typed models read, with the Ready pods of the Service', async () => {
    await objects.patch(service, undefined, undefined, 'hms-sys', false, PatchStrategy.ServerSideApply);
    const core = kc.makeApiClient(CoreV1Api);
    const read = await core.readNamespacedService({ name: 'eligibility-api', namespace: 'benefits' });
    expect(read.spec?.clusterIP).toMatch(/^10\./);
    expect(unknownFields(JSON.parse(JSON.stringify(read)), 'V1Service')).toEqual([]);
    const discovery = kc.makeApiClient(DiscoveryV1Api);
    const slices = await discovery.listNamespacedEndpointSlice({ namespace: 'benefits', labelSelector: 'kubernetes.io/service-name=eligibility-api' });
    expect(slices.items).toHaveLength(1);
    const endpoints = slices.items[0]!.endpoints;
    expect(endpoints.length).toBe(4);
    expect(endpoints.every((e) => e.conditions?.ready === true && /^10\./.test(e.addresses[0]!))).toBe(true);
    const pods = await core.listNamespacedPod({ namespace: 'benefits', labelSelector: 'app=eligibility-api' });
    expect(endpoints.map((e) => e.addresses[0]).sort()).toEqual(pods.items.map((p) => p.status?.podIP).sort());
  });

  describe.skipIf(!kubectlInstalled())('kubectl', () => {
    const kubectl = async (...args: string[]) => {
      const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, KUBECONFIG: sb.sandbox.k8s.kubeconfigPath };
      try {
        const { stdout, stderr } = await run('kubectl', args, { env, timeout: 60_000 });
        return { code: 0, stdout, stderr };
      } catch (err) {
        const failed = err as { code?: number; stdout?: string; stderr?: string };
        return { code: failed.code ?? 1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
      }
    };
    it('lists VirtualServices of every namespace, and Services with EndpointSlices of one', async () => {
      await objects.patch(virtualService(3), undefined, undefined, 'hms-sys', false, PatchStrategy.ServerSideApply);
      await objects.patch(service, undefined, undefined, 'hms-sys', false, PatchStrategy.ServerSideApply);
      const vs = await kubectl('get', 'virtualservices', '-A');
      expect(vs.stderr).toBe('');
      expect(vs.stdout.split('\n')[0]).toMatch(/^NAMESPACE\s+NAME\s+GATEWAYS\s+HOSTS\s+AGE$/);
      // A CRD column with no value is a null cell, which kubectl leaves blank.
      expect(vs.stdout).toMatch(/benefits\s+eligibility-api\s+\["eligibility-api"\]\s+\d+s/);
      const both = await kubectl('get', 'svc,endpointslices', '-n', 'benefits');
      expect(both.code).toBe(0);
      expect(both.stdout).toMatch(/service\/eligibility-api\s+ClusterIP\s+10\.\S+\s+<none>\s+8080\/TCP/);
      expect(both.stdout).toMatch(/endpointslice\.discovery\.k8s\.io\/eligibility-api-\w+\s+IPv4\s+8080\s+10\./);
    });

    it('applies a file server-side, and reports a conflict with another manager', async () => {
      const file = join(home, 'dr.yaml');
      writeFileSync(
        file,
        'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  name: eligibility-api\n  namespace: benefits\nspec:\n  host: eligibility-api\n  trafficPolicy:\n    connectionPool:\n      tcp:\n        maxConnections: 10\n',
      );
      const applied = await kubectl('apply', '--server-side', '--validate=false', '-f', file);
      expect(applied.stderr).toBe('');
      expect(applied.stdout.trim()).toBe('destinationrule.networking.istio.io/eligibility-api serverside-applied');
      const dr = await kubectl('get', 'dr', 'eligibility-api', '-n', 'benefits', '-o', 'jsonpath={.spec.trafficPolicy.connectionPool.tcp.maxConnections}');
      expect(dr.stdout).toBe('10');
      writeFileSync(file, readFileSync(file, 'utf8').replace('maxConnections: 10', 'maxConnections: 20'));
      const conflict = await kubectl('apply', '--server-side', '--validate=false', '--field-manager=ops', '-f', file);
      expect(conflict.code).not.toBe(0);
      expect(conflict.stderr).toContain('conflict with "kubectl"');
      const forced = await kubectl('apply', '--server-side', '--validate=false', '--field-manager=ops', '--force-conflicts', '-f', file);
      expect(forced.code).toBe(0);
      expect(
        (await kubectl('get', 'dr', 'eligibility-api', '-n', 'benefits', '-o', 'jsonpath={.spec.trafficPolicy.connectionPool.tcp.maxConnections}')).stdout,
      ).toBe('20');
    });
  });
});
