/**
 * The local data plane through the sandbox, as a user drives it: deploy receipt.hms.yml over HTTP,
 * call the service through the proxy as curl --proxy would, fail a pod with the sandbox route and
 * see the retry land on the other, read the enforced generations and Istio's metrics.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { describe, expect, it } from 'vitest';
import { useSandbox } from './sandbox-fixture.ts';

const receipt = readFileSync(new URL('../fixtures/seeds/receipt.hms.yml', import.meta.url), 'utf8');

/** Polls until `probe` gives a value; the limit only bounds a broken run, nothing is timed. */
async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 400; i += 1) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} never happened`);
}

/** curl -x http://<as>@<proxy> -X <method> <url> */
function viaProxy(proxy: string, url: string, options: { method?: string; as?: string } = {}): Promise<{ status: number; body: string }> {
  const hop = new URL(proxy);
  const headers: http.OutgoingHttpHeaders = { host: new URL(url).host };
  if (options.as) headers['proxy-authorization'] = `Basic ${Buffer.from(`${options.as}:`).toString('base64')}`;
  return new Promise((resolve, reject) => {
    const req = http.request({ host: hop.hostname, port: hop.port, method: options.method ?? 'GET', path: url, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the local data plane in the sandbox', () => {
  const f = useSandbox({ meshProxyPort: 0, meshStatsPort: 0 });

  it('carries calls to receipt-svc.mesh to its pods, retries a failed pod on the other, and shows what it enforces', async () => {
    const deployed = await fetch(`${f.sandbox.url}/manifests`, {
      method: 'POST',
      headers: { authorization: `Bearer ${f.sandbox.tokens.admin}`, 'content-type': 'application/yaml' },
      body: receipt,
    });
    expect(deployed.status).toBeLessThan(300);

    const config = await until('two receipt-svc pods served and its VirtualService enforced', async () => {
      const answer = await f.http('GET', '/sandbox/mesh/config');
      const pods = answer.body.pods.filter((p: { service: string }) => p.service === 'receipt-svc');
      const vs = answer.body.objects.find((o: { kind: string; name: string }) => o.kind === 'VirtualService' && o.name === 'receipt-svc');
      return pods.length >= 2 && vs ? { ...answer.body, receiptPods: pods, vs } : undefined;
    });

    // The generation enforced is the one the API server holds.
    const live = await new Promise<any>((resolve, reject) => {
      const url = new URL(`/apis/networking.istio.io/v1/namespaces/${config.vs.namespace}/virtualservices/receipt-svc`, f.sandbox.k8s.url);
      https
        .get(url, { ca: Buffer.from(f.sandbox.k8s.caData, 'base64'), headers: { authorization: `Bearer ${f.sandbox.k8s.token}` } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
        })
        .on('error', reject);
    });
    expect(config.vs.generation).toBe(live.metadata.generation);
    expect(Date.parse(config.vs.enforcedAt)).not.toBeNaN();

    const first = await viaProxy(config.proxy, 'http://receipt-svc.mesh/receipt', { method: 'POST', as: 'demo-client' });
    expect(first.status).toBe(200);
    const names = config.receiptPods.map((p: { pod: string }) => p.pod);
    expect(names).toContain(JSON.parse(first.body).pod);
    // receipt.hms.yml routes POST /receipt only: another method gets Envoy's 404.
    expect((await viaProxy(config.proxy, 'http://receipt-svc.mesh/receipt')).status).toBe(404);

    const [failing, healthy] = names;
    const failed = await f.http('POST', '/sandbox/mesh/pods', { pod: failing, fail: true });
    expect(failed.status).toBe(200);
    expect(failed.body).toMatchObject({ pod: failing, failed: true });
    for (let i = 0; i < 4; i += 1) {
      const answer = await viaProxy(config.proxy, 'http://receipt-svc.mesh:3000/receipt', { method: 'POST', as: 'demo-client' });
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body).pod).toBe(healthy);
    }
    expect((await f.http('POST', '/sandbox/mesh/pods', { pod: failing, recover: true })).body).toMatchObject({ failed: false });

    const metrics = await (await fetch(config.metrics)).text();
    expect(metrics).toMatch(
      /istio_requests_total\{reporter="source",source_workload="demo-client",[^}]*destination_service_name="receipt-svc"[^}]*response_code="200"[^}]*\} 5/,
    );
  });

  it('refuses a bad pod change with the field named, an unknown pod with 404, and a reader with 403', async () => {
    const bad = await f.http('POST', '/sandbox/mesh/pods', { pod: 'any', errorRate: 2 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('errorRate');
    const unknown = await f.http('POST', '/sandbox/mesh/pods', { pod: 'nobody-here', fail: true });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.field).toBe('pod');
    const extra = await f.http('POST', '/sandbox/mesh/pods', { pod: 'any', restart: true });
    expect(extra.status).toBe(400);
    expect(extra.body.error.field).toBe('restart');
    const both = await f.http('POST', '/sandbox/mesh/pods', { pod: 'any', fail: true, recover: true });
    expect(both.body.error.field).toBe('recover');
    expect((await f.http('POST', '/sandbox/mesh/pods', { pod: 'any', fail: true }, f.sandbox.tokens.reader)).status).toBe(403);
  });
});
