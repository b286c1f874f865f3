import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import type { ApplyResult } from '#use-cases/mesh/apply-result.ts';
import type { ApiClient } from '../../../bin/client.ts';
import type { CommandContext } from '../../../bin/command.ts';
import { applyLines, meshCommands } from '../../../bin/commands/mesh.ts';

const RECEIPT = 'test/fixtures/seeds/receipt.hms.yml';

/** An API that answers every call with `answer`, and records each call with its body and content type. */
function recordingApi(answer: unknown) {
  const calls: Array<{ method: string; path: string; body?: unknown; contentType?: string }> = [];
  const api: ApiClient = {
    call: async (method, path, body, contentType) => {
      calls.push({ method, path, ...(body === undefined ? {} : { body }), ...(contentType ? { contentType } : {}) });
      return answer;
    },
  };
  return { api, calls };
}

const context = (values: CommandContext['values'], positionals: string[], api: ApiClient, output: CommandContext['output'] = 'table'): CommandContext => ({
  values,
  positionals,
  output,
  dataDir: '/nonexistent-hms-sys',
  api: () => api,
});
const run = (name: string, ctx: CommandContext) => meshCommands.find((c) => c.name === name)!.run(ctx);

function printed(): string[] {
  const lines: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    lines.push(args.join(' '));
  });
  return lines;
}

afterEach(() => {
  vi.restoreAllMocks();
});

const deployed: ApplyResult = {
  kind: 'MeshService',
  format: 'chapter-12-service',
  name: 'receipt-svc',
  namespace: 'default',
  dryRun: false,
  steps: [
    { ok: true, text: 'Registered in service mesh' },
    { ok: true, text: 'Auto-scaler set (2-10)' },
    { ok: true, text: '2/2 pods ready (ghcr.io/gov/receipt:1.0)' },
  ],
  objects: [{ ref: { apiVersion: 'v1', kind: 'Service', namespace: 'default', name: 'receipt-svc' }, action: 'created', diff: [] }],
  serviceUrl: 'http://receipt-svc.mesh/receipt',
  meshUrl: 'http://receipt-svc.mesh:8080',
  reasons: [],
};

describe('hms-sys deploy and apply', () => {
  it('send the file’s own text as YAML to POST /manifests and print the seeds’ shape: the steps that happened, then the URL', async () => {
    const lines = printed();
    const { api, calls } = recordingApi(deployed);
    await run('deploy', context({}, [RECEIPT], api));
    expect(calls).toEqual([{ method: 'POST', path: '/manifests', body: readFileSync(RECEIPT, 'utf8'), contentType: 'application/yaml' }]);
    expect(lines).toEqual([
      '✓ Registered in service mesh',
      '✓ Auto-scaler set (2-10)',
      '✓ 2/2 pods ready (ghcr.io/gov/receipt:1.0)',
      'Service URL: http://receipt-svc.mesh/receipt',
    ]);
  });

  it('take the file as -f or as the argument (chapter 10’s form), and ask for a dry run with --dry-run', async () => {
    printed();
    const { api, calls } = recordingApi({ ...deployed, steps: [] });
    await run('apply', context({ file: RECEIPT, 'dry-run': true }, [], api));
    await run('apply', context({}, [RECEIPT], api));
    await run('deploy', context({ namespace: 'irs', 'dry-run': true }, [RECEIPT], api));
    expect(calls.map((c) => c.path)).toEqual(['/manifests?dryRun=true', '/manifests', '/manifests?dryRun=true&namespace=irs']);
    await expect(run('apply', context({ file: RECEIPT }, [RECEIPT], api))).rejects.toThrow(/give the file once/);
    await expect(run('apply', context({}, [], api))).rejects.toThrow(/apply -f FILE/);
    await expect(run('deploy', context({}, ['no-such.yml'], api))).rejects.toThrow(/cannot read no-such.yml: ENOENT/);
  });

  it('print a step that did not complete with ✗, the apply itself having succeeded', async () => {
    const lines = printed();
    const { api } = recordingApi({ ...deployed, steps: [deployed.steps[0], { ok: false, text: '0/2 pods ready so far: the rest are starting' }] });
    await run('deploy', context({}, [RECEIPT], api));
    expect(lines).toEqual(['✓ Registered in service mesh', '✗ 0/2 pods ready so far: the rest are starting', 'Service URL: http://receipt-svc.mesh/receipt']);
  });

  it('print, on a dry run, each rendered object as YAML with its diff, and no URL of a service that was not deployed', () => {
    const object = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'receipt-svc', namespace: 'default' }, spec: { ports: [{ port: 8080 }] } };
    const lines = applyLines({
      ...deployed,
      dryRun: true,
      steps: [],
      objects: [{ ref: deployed.objects[0]!.ref, action: 'configured', diff: ['spec.ports[0].port: 80 → 8080'], object }],
    });
    expect(lines[0]).toMatch(/^dry run, nothing changed: MeshService receipt-svc in namespace default/);
    expect(lines).toContain('# Service default/receipt-svc: would be configured');
    expect(lines).toContain('#   spec.ports[0].port: 80 → 8080');
    const yaml = lines.slice(lines.indexOf('#   spec.ports[0].port: 80 → 8080') + 1, -1).join('\n');
    expect(parse(yaml)).toEqual(object);
    expect(lines.some((l) => l.startsWith('Service URL'))).toBe(false);
  });
});

describe('hms-sys discover and registry', () => {
  it('discover prints the mesh URL first, and asks as the calling service with --from', async () => {
    const lines = printed();
    const entry = {
      meshUrl: 'http://notification-svc.mesh:7000',
      clusterDns: 'notification-svc.default.svc.cluster.local',
      endpoints: [{ address: '10.0.0.7', port: 7000, pod: 'notification-svc-abc' }],
    };
    const { api, calls } = recordingApi(entry);
    await run('discover', context({ from: 'matcher-svc' }, ['notification-svc'], api));
    expect(calls[0]!.path).toBe('/registry/notification-svc?from=matcher-svc');
    expect(lines).toEqual([
      'http://notification-svc.mesh:7000',
      'cluster DNS: notification-svc.default.svc.cluster.local',
      'ready endpoints: 10.0.0.7:7000 (notification-svc-abc)',
    ]);
  });

  it('registry lists every entry as a table', async () => {
    const lines = printed();
    const { api } = recordingApi({
      services: [
        {
          name: 'receipt-svc',
          namespace: 'default',
          serviceVersion: '1.0',
          port: 8080,
          meshUrl: 'http://receipt-svc.mesh:8080',
          mtls: 'STRICT',
          cluster: 'sandbox',
        },
      ],
    });
    await run('registry', context({}, [], api));
    expect(lines[0]).toMatch(/^name\s+namespace\s+serviceVersion\s+port\s+meshUrl\s+mtls\s+cluster$/);
    expect(lines[1]).toMatch(/^receipt-svc\s+default\s+1.0\s+8080\s+http:\/\/receipt-svc.mesh:8080\s+STRICT\s+sandbox$/);
  });
});
