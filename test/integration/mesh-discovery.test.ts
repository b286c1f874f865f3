import { describe, expect, it } from 'vitest';
import { discover } from '../../shared/client/discover.ts';
import { seed, sendFile } from './mesh-fixture.ts';
import { useSandbox } from './sandbox-fixture.ts';

const sb = useSandbox();

/** Chapter 10's service in the default namespace and an agency's service in irs, found by name over HTTP. */
describe('the registry and discovery', () => {
  it('lists a deployed service with its mesh URL and cluster DNS name, and finds its Ready endpoints', async () => {
    expect((await sendFile(sb, '/manifests', seed('manifests/notification.yaml'))).status).toBe(201);
    const list = await sb.http('GET', '/registry');
    expect(list.status).toBe(200);
    expect(list.body.services).toEqual([
      expect.objectContaining({
        name: 'notification-svc',
        namespace: 'default',
        port: 7000,
        meshUrl: 'http://notification-svc.mesh:7000',
        clusterDns: 'notification-svc.default.svc.cluster.local',
        mtls: 'STRICT',
      }),
    ]);
    const entry = await sb.http('GET', '/registry/notification-svc');
    expect(entry.status).toBe(200);
    expect(Array.isArray(entry.body.endpoints)).toBe(true);
    for (const endpoint of entry.body.endpoints) expect(endpoint).toMatchObject({ address: expect.stringMatching(/^10\./), port: 7000 });
  });

  it('answers discover(name) with the mesh URL, as chapter 10 says', async () => {
    expect(await discover('notification-svc', { url: sb.sandbox.url, token: sb.sandbox.tokens.reader! })).toBe('http://notification-svc.mesh:7000');
    await expect(discover('no-such-svc', { url: sb.sandbox.url, token: sb.sandbox.tokens.reader! })).rejects.toMatchObject({ status: 404 });
  });

  it('keeps agencies apart: a caller in another namespace does not find a service no policy opens to it', async () => {
    const irs = `namespace: irs\n${seed('receipt.hms.yml').replace('name: receipt-svc', 'name: irs-ledger')}`;
    expect((await sendFile(sb, '/manifests', irs)).status).toBe(201);
    const same = await sb.http('GET', '/registry/irs-ledger');
    expect(same.status).toBe(200);
    const across = await sb.http('GET', '/registry/irs-ledger?from=notification-svc');
    expect(across.status).toBe(403);
    expect(across.body.error).toMatchObject({ code: 'cross_namespace_denied', field: 'from' });
    const listed = await sb.http('GET', '/registry?from=notification-svc');
    expect(listed.body.services.map((s: { name: string }) => s.name)).toEqual(['notification-svc']);
  });

  it('refuses a reader token writes, and records its reads as lookups', async () => {
    const refused = await sendFile(sb, '/manifests', seed('receipt.hms.yml'), 'application/yaml', sb.sandbox.tokens.reader!);
    expect(refused.status).toBe(403);
    const audit = await sb.http('GET', '/audit?kind=lookup&limit=50');
    expect(audit.body.records.map((r: { action: string }) => r.action)).toEqual(expect.arrayContaining(['lookup.listRegistry', 'lookup.getRegistryEntry']));
  });
});
