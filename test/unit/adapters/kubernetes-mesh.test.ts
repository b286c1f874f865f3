import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { APPLY_PATCH, KubernetesMesh } from '#adapters/aws/kubernetes-mesh.ts';
import type { KubeObject } from '#domain/mesh/kube-resources.ts';
import { ClusterConflictError, ClusterInvalidError, ClusterUnavailableError, PortError } from '#ports/errors.ts';

/** A scripted API server: each request gets the next answer, and is kept with its headers and body. */
interface Seen {
  method: string;
  url: string;
  contentType: string | undefined;
  body: unknown;
}
let server: http.Server;
let answers: Array<{ status: number; body: unknown; headers?: Record<string, string> }>;
let seen: Seen[];
let mesh: KubernetesMesh;

beforeEach(async () => {
  answers = [];
  seen = [];
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      seen.push({ method: req.method!, url: req.url!, contentType: req.headers['content-type'], body: text ? JSON.parse(text) : undefined });
      const answer = answers.shift() ?? { status: 500, body: { kind: 'Status', message: 'no answer scripted' } };
      res.writeHead(answer.status, { 'Content-Type': 'application/json', ...answer.headers });
      res.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  mesh = new KubernetesMesh({
    endpointFor: async () => ({ url: `http://127.0.0.1:${port}` }),
    tokenFor: async () => 'token',
    policy: { attempts: 3, baseMs: 1, capMs: 2 },
  });
});
afterEach(() => new Promise<void>((resolve) => server.close(() => resolve())));

const vs: KubeObject = {
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name: 'receipt-svc', namespace: 'irs', labels: { 'app.kubernetes.io/managed-by': 'hms-sys' } },
  spec: { hosts: ['receipt-svc'] },
};
const ref = { apiVersion: vs.apiVersion, kind: vs.kind, namespace: 'irs', name: 'receipt-svc' };
const stored = { ...vs, metadata: { ...vs.metadata, uid: 'u-1', resourceVersion: '7' } };

describe('KubernetesMesh sends what the Kubernetes API documents', () => {
  it('applies with PATCH, the apply patch type, fieldManager=hms-sys, no force, strict field validation', async () => {
    answers.push({ status: 200, body: stored });
    const applied = await mesh.apply('c', vs);
    expect(applied.metadata.uid).toBe('u-1');
    const [request] = seen;
    expect(request?.method).toBe('PATCH');
    expect(request?.contentType).toBe(APPLY_PATCH);
    const url = new URL(request!.url, 'http://x');
    expect(url.pathname).toBe('/apis/networking.istio.io/v1/namespaces/irs/virtualservices/receipt-svc');
    expect(Object.fromEntries(url.searchParams)).toEqual({ fieldManager: 'hms-sys', fieldValidation: 'Strict' });
    expect(request?.body).toEqual(vs);
  });

  it('a dry run adds dryRun=All', async () => {
    answers.push({ status: 200, body: stored });
    await mesh.apply('c', vs, { dryRun: true });
    expect(new URL(seen[0]!.url, 'http://x').searchParams.get('dryRun')).toBe('All');
  });

  it('a 409 (a field another manager owns) is a ClusterConflictError carrying the server’s message', async () => {
    answers.push({
      status: 409,
      body: {
        kind: 'Status',
        reason: 'Conflict',
        code: 409,
        message: 'Apply failed with 1 conflict: conflict with "kubectl-edit" using networking.istio.io/v1: .spec.hosts',
        details: { causes: [{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl-edit"', field: '.spec.hosts' }] },
      },
    });
    const err = await mesh.apply('c', vs).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClusterConflictError);
    expect((err as Error).message).toContain('kubectl-edit');
    expect(seen).toHaveLength(1);
  });

  it('a 422 is a ClusterInvalidError naming the fields of its causes, not retried', async () => {
    answers.push({
      status: 422,
      body: {
        kind: 'Status',
        code: 422,
        reason: 'Invalid',
        message: 'invalid',
        details: { causes: [{ reason: 'FieldValueInvalid', field: 'spec.http[0].timeout' }] },
      },
    });
    const err = await mesh.apply('c', vs).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClusterInvalidError);
    expect((err as ClusterInvalidError).fields).toEqual(['spec.http[0].timeout']);
    expect(seen).toHaveLength(1);
  });

  it('retries a 429 and a 503, then gives up with ClusterUnavailableError', async () => {
    answers.push({ status: 429, body: {}, headers: { 'Retry-After': '0' } }, { status: 200, body: stored });
    await mesh.apply('c', vs);
    expect(seen).toHaveLength(2);
    answers.push({ status: 503, body: {} }, { status: 503, body: {} }, { status: 503, body: {} });
    await expect(mesh.get('c', ref)).rejects.toBeInstanceOf(ClusterUnavailableError);
  });

  it('get answers null for a 404, and refuses an object of another kind', async () => {
    answers.push({ status: 404, body: { kind: 'Status', code: 404 } });
    expect(await mesh.get('c', ref)).toBeNull();
    answers.push({ status: 200, body: { ...stored, kind: 'DestinationRule' } });
    await expect(mesh.get('c', ref)).rejects.toBeInstanceOf(PortError);
  });

  it('refuses a kind hms-sys does not manage without sending anything', async () => {
    await expect(mesh.get('c', { ...ref, apiVersion: 'v1', kind: 'Pod' })).rejects.toThrow(/does not manage Pod/);
    expect(seen).toEqual([]);
  });

  it('lists page by page with the label selector, setting apiVersion and kind on the items', async () => {
    answers.push(
      { status: 200, body: { metadata: { continue: 'next' }, items: [{ metadata: { name: 'a' } }] } },
      { status: 200, body: { metadata: {}, items: [{ metadata: { name: 'b' } }] } },
    );
    const items = await mesh.list('c', { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule' }, 'irs', 'hms-sys.io/service=a');
    expect(items.map((i) => `${i.apiVersion} ${i.kind} ${i.metadata.name}`)).toEqual([
      'networking.istio.io/v1 DestinationRule a',
      'networking.istio.io/v1 DestinationRule b',
    ]);
    const urls = seen.map((s) => new URL(s.url, 'http://x'));
    expect(urls[0]?.pathname).toBe('/apis/networking.istio.io/v1/namespaces/irs/destinationrules');
    expect(urls[0]?.searchParams.get('labelSelector')).toBe('hms-sys.io/service=a');
    expect(urls[1]?.searchParams.get('continue')).toBe('next');
  });

  it('deletes with a uid precondition; a 404 is fine, a 409 a conflict', async () => {
    answers.push({ status: 200, body: { kind: 'Status' } }, { status: 404, body: {} }, { status: 409, body: { message: 'Precondition failed: UID' } });
    await mesh.delete('c', ref, 'u-1', { dryRun: true });
    expect(seen[0]?.method).toBe('DELETE');
    expect(seen[0]?.url).toBe('/apis/networking.istio.io/v1/namespaces/irs/virtualservices/receipt-svc?dryRun=All');
    expect(seen[0]?.body).toEqual({ apiVersion: 'v1', kind: 'DeleteOptions', preconditions: { uid: 'u-1' }, propagationPolicy: 'Background' });
    await mesh.delete('c', ref, 'u-1');
    await expect(mesh.delete('c', ref, 'u-1')).rejects.toBeInstanceOf(ClusterConflictError);
  });

  it('reads Ready endpoints from EndpointSlices: unknown readiness counts as ready, not-ready is left out, duplicates count once', async () => {
    answers.push({
      status: 200,
      body: {
        items: [
          {
            ports: [
              { name: 'metrics', port: 9090 },
              { name: 'http', port: 8080 },
            ],
            endpoints: [
              { addresses: ['10.0.0.2'], conditions: { ready: true }, targetRef: { name: 'receipt-1' }, nodeName: 'n1' },
              { addresses: ['10.0.0.3'], conditions: {} },
              { addresses: ['10.0.0.4'], conditions: { ready: false } },
            ],
          },
          {
            ports: [{ name: 'http', port: 8080 }],
            endpoints: [{ addresses: ['10.0.0.2'], conditions: { ready: true }, targetRef: { name: 'receipt-1' }, nodeName: 'n1' }],
          },
          { ports: null, endpoints: [{ addresses: ['10.0.0.9'] }] },
        ],
      },
    });
    const endpoints = await mesh.readyEndpoints('c', 'irs', 'receipt-svc');
    expect(endpoints).toEqual([
      { address: '10.0.0.2', port: 8080, pod: 'receipt-1', nodeName: 'n1' },
      { address: '10.0.0.3', port: 8080 },
    ]);
    const url = new URL(seen[0]!.url, 'http://x');
    expect(url.pathname).toBe('/apis/discovery.k8s.io/v1/namespaces/irs/endpointslices');
    expect(url.searchParams.get('labelSelector')).toBe('kubernetes.io/service-name=receipt-svc');
  });

  it('a slice with no endpoints, served as "endpoints": null (kubernetes/kubernetes#135968), is read as none, not refused', async () => {
    answers.push({ status: 200, body: { items: [{ addressType: 'IPv4', endpoints: null, ports: null }] } });
    expect(await mesh.readyEndpoints('c', 'irs', 'receipt-svc')).toEqual([]);
  });
});
