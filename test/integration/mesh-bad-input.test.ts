import { describe, expect, it } from 'vitest';
import { labelled, seed, sendFile } from './mesh-fixture.ts';
import { useSandbox } from './sandbox-fixture.ts';

const sb = useSandbox();
const RECEIPT = seed('receipt.hms.yml');
const NOTIFICATION = seed('manifests/notification.yaml');
const POLICY = seed('policies/irs-fraud.yml');

/**
 * The issue's bad inputs (§9), sent over HTTP as a user's file would be: each a 4xx in the error
 * envelope whose field is the path in the file, and nothing applied, registered or audited as done.
 */
describe('a bad manifest over HTTP', () => {
  const refused = async (text: string, status: number, field: string | null, path = '/manifests') => {
    const answer = await sendFile(sb, path, text);
    expect(answer.status, `${JSON.stringify(answer.body)}\n${text}`).toBe(status);
    expect(Object.keys(answer.body.error).sort()).toEqual(['code', 'field', 'message']);
    expect(answer.body.error.field).toBe(field);
    return answer.body.error as { code: string; message: string; field: string | null };
  };

  it('names the field of an unknown key, a wrong type, a bad name, a port out of range, negative retries, a bad duration', async () => {
    expect((await refused(`${RECEIPT}colour: blue\n`, 400, 'colour')).code).toBe('unknown_field');
    await refused(NOTIFICATION.replace('max_failures: 5', 'max_failures: five'), 400, 'mesh.circuit_breaker.max_failures');
    await refused(RECEIPT.replace('name: receipt-svc', 'name: Receipt_Svc'), 400, 'name');
    await refused(RECEIPT.replace('port: 3000', 'port: 65536'), 400, 'port');
    await refused(NOTIFICATION.replace('retries: 3', 'retries: -1'), 400, 'mesh.retries');
    await refused(POLICY.replace('timeoutMs: 800', 'timeoutMs: soon'), 400, 'spec.timeoutMs');
  });

  it("names fields in the file's notation: list indexes in brackets, label keys in quotes", async () => {
    await refused(RECEIPT.replace(/path: \S+/, 'path: receipt'), 400, 'routes[0].path');
    const pod =
      'apiVersion: v1\nkind: Pod\nmetadata: {name: a, labels: {hms/mesh: enabled, sidecar.istio.io/inject: "false"}}\nspec: {containers: [{image: x}]}';
    expect((await refused(pod, 400, 'metadata.labels["sidecar.istio.io/inject"]')).code).toBe('reserved_label');
    await refused(RECEIPT.replace('port: 3000', 'port: 0x50'), 400, 'port');
    await refused('apiVersion: hms/v2\nkind: TrafficPolicy\nmetadata: {name: a}\nspec: {source: a, destination: b}', 422, 'apiVersion');
  });

  it('says what a bad duration should be, names a duplicate key (JSON too) and an undefined alias', async () => {
    const reset = await refused(NOTIFICATION.replace(/reset_seconds: \S+/, 'reset_seconds: 1x'), 400, 'mesh.circuit_breaker.reset_seconds');
    expect(reset.message).toContain('whole number of seconds');
    const duplicate = await sendFile(sb, '/manifests', '{"name":"a","port":80,"port":81}', 'application/json');
    expect(duplicate.status).toBe(400);
    expect(duplicate.body.error).toMatchObject({ code: 'duplicate_key', field: 'port' });
    expect(duplicate.body.error.message).not.toMatch(/YAML/);
    const alias = await refused('name: a\nport: 80\nscaling: {min: *x, max: 2}', 400, 'scaling.min');
    expect(alias.message).toContain('alias *x is not defined');
  });

  it('a service not in the registry is 404 in plain words; a YAML body on a JSON route is unsupported_media_type', async () => {
    const missing = await sb.http('GET', '/registry/nope');
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toBe('service nope in the mesh registry was not found');
    const pause = await sendFile(sb, '/policies/pause', 'service: receipt-svc\ndurationMin: 30\n');
    expect(pause.status).toBe(400);
    expect(pause.body.error).toMatchObject({ code: 'unsupported_media_type', field: 'content-type' });
  });

  it('refuses a YAML alias bomb (400) and a file over 64 KiB (413)', async () => {
    const bomb = [
      'a: &a ["x","x","x","x","x","x","x","x","x"]',
      ...'bcdefghi'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`),
    ].join('\n');
    const error = await refused(bomb, 400, null);
    expect(error.message).toMatch(/alias/i);
    const big = `${RECEIPT}# ${'x'.repeat(64 * 1024)}\n`;
    expect((await refused(big, 413, null)).code).toBe('payload_too_large');
  });

  it('refuses a TrafficPolicy whose source or destination is not registered (422)', async () => {
    await refused(POLICY, 422, 'spec.source', '/policies');
    expect((await sendFile(sb, '/manifests', seed('return-intake.yaml'))).status).toBe(201);
    await refused(POLICY, 422, 'spec.destination', '/policies');
  });

  it('left nothing behind: no objects, no registry entries, no policies beyond the one good file', async () => {
    expect(await labelled(sb, 'default', 'receipt-svc')).toEqual([]);
    expect(await labelled(sb, 'default', 'notification-svc')).toEqual([]);
    const registry = await sb.http('GET', '/registry');
    expect(registry.body.services.map((s: { name: string }) => s.name)).toEqual(['return-intake']);
    expect((await sb.http('GET', '/policies')).body.policies).toEqual([]);
  });
});
