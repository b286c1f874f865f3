import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import type { ApplyResult } from '#use-cases/mesh/apply-result.ts';
import type { ApiClient } from '../../../bin/client.ts';
import type { CommandContext } from '../../../bin/command.ts';
import { applyLines, meshCommands } from '../../../bin/commands/mesh.ts';
import { isPodsStep, waitForPods } from '../../../bin/commands/mesh-wait.ts';

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

/** An API that answers POST /manifests with `applied` and each GET /registry/{name} with the next of `reads` (the last one repeated). */
function rolloutApi(applied: ApplyResult, reads: Array<Record<string, unknown> | undefined>) {
  const calls: string[] = [];
  const api: ApiClient = {
    call: async (method, path) => {
      calls.push(`${method} ${path}`);
      if (method === 'POST') return applied;
      const rollout = reads[Math.min(calls.filter((c) => c.startsWith('GET')).length - 1, reads.length - 1)];
      return { name: applied.name, endpoints: [], ...(rollout ? { rollout } : {}) };
    },
  };
  return { api, calls };
}

const IMAGE = 'ghcr.io/gov/receipt:1.0';
const rollout = (ready: number, complete: boolean, waitingFor?: string) => ({
  deployment: 'receipt-svc',
  image: IMAGE,
  desired: 2,
  updated: 2,
  ready,
  observed: true,
  complete,
  ...(waitingFor ? { waitingFor } : {}),
});
/** What the server answers right after the apply: the pods are still starting. */
const justApplied: ApplyResult = {
  ...deployed,
  steps: [
    { ok: true, text: 'Registered in service mesh' },
    { ok: true, text: 'Scaled to 2 pods (scaling.min)' },
    { ok: false, text: `0/2 pods of ${IMAGE} ready; the rollout goes on (waiting for 0 of 2 updated replicas to be available)` },
  ],
  entry: { manifest: { spec: { image: IMAGE } } } as unknown as ApplyResult['entry'],
};

describe('hms-sys deploy and apply wait for the pods, as kubectl rollout status does', () => {
  it('reads GET /registry/{name} until the rollout is complete and prints that in place of the server’s pods step', async () => {
    const lines = printed();
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const { api, calls } = rolloutApi(justApplied, [rollout(2, true)]);
    await run('deploy', context({}, [RECEIPT], api));
    expect(calls).toEqual(['POST /manifests', 'GET /registry/receipt-svc']);
    expect(lines).toEqual([
      '✓ Registered in service mesh',
      '✓ Scaled to 2 pods (scaling.min)',
      `✓ 2/2 pods ready (${IMAGE})`,
      'Service URL: http://receipt-svc.mesh/receipt',
    ]);
  });

  it('polls, sleeping between reads, until the updated pods are Ready, on the clock it is given', async () => {
    let now = 0;
    const slept: number[] = [];
    const { api, calls } = rolloutApi(justApplied, [
      undefined,
      rollout(0, false, '0 of 2 updated replicas to be available'),
      rollout(1, false),
      rollout(2, true),
    ]);
    const waited: unknown[] = [];
    const outcome = await waitForPods(api, 'receipt-svc', {
      timeoutSeconds: 120,
      intervalMs: 1000,
      now: () => now,
      sleep: async (ms) => {
        slept.push(ms);
        now += ms;
      },
      onWaiting: (r) => waited.push(r),
    });
    expect(outcome).toMatchObject({ ok: true, text: `2/2 pods ready (${IMAGE})` });
    expect(outcome.problem).toBeUndefined();
    expect(calls).toHaveLength(4);
    expect(slept).toEqual([1000, 1000, 1000]);
    expect(waited).toEqual([undefined]);
  });

  it('gives up at the timeout with the ready count, what the rollout waits for and a non-zero exit', async () => {
    let now = 0;
    const { api, calls } = rolloutApi(justApplied, [rollout(1, false, '1 of 2 updated replicas to be available')]);
    const outcome = await waitForPods(api, 'receipt-svc', {
      timeoutSeconds: 120,
      intervalMs: 1000,
      now: () => now,
      sleep: async (ms) => {
        now += ms;
      },
    });
    expect(outcome.ok).toBe(false);
    expect(outcome.text).toBe('1/2 pods ready after 120 s');
    expect(outcome.problem).toMatch(/^receipt-svc's pods were not all ready after 120 s \(waiting for 1 of 2 updated replicas to be available\)/);
    // One read at the start, one after each second, the last at the deadline.
    expect(calls).toHaveLength(121);

    const lines = printed();
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const cli = rolloutApi(justApplied, [rollout(1, false, '1 of 2 updated replicas to be available')]);
    await expect(run('deploy', context({ timeout: '0' }, [RECEIPT], cli.api))).rejects.toThrow(/not all ready after 0 s .*--timeout/);
    expect(lines).toEqual([
      '✓ Registered in service mesh',
      '✓ Scaled to 2 pods (scaling.min)',
      '✗ 1/2 pods ready after 0 s',
      'Service URL: http://receipt-svc.mesh/receipt',
    ]);
  });

  it('does not wait with --no-wait, on a dry run, for a policy or for a service without an image', async () => {
    const lines = printed();
    const noWait = rolloutApi(justApplied, [rollout(0, false)]);
    await run('apply', context({ 'no-wait': true }, [RECEIPT], noWait.api));
    expect(noWait.calls).toEqual(['POST /manifests']);
    expect(lines).toContain(`✗ 0/2 pods of ${IMAGE} ready; the rollout goes on (waiting for 0 of 2 updated replicas to be available)`);
    for (const answer of [
      { ...justApplied, dryRun: true },
      { ...justApplied, kind: 'TrafficPolicy' as const },
      { ...justApplied, entry: { manifest: { spec: {} } } as unknown as ApplyResult['entry'] },
    ]) {
      const { api, calls } = rolloutApi(answer, [rollout(0, false)]);
      await run('apply', context({}, [RECEIPT], api));
      expect(calls).toEqual(['POST /manifests']);
    }
  });

  it('knows the server’s pods step in each of its forms, and no other step', () => {
    expect(isPodsStep(`2/2 pods ready (${IMAGE})`)).toBe(true);
    expect(isPodsStep(`0/2 pods of ${IMAGE} ready; the rollout goes on (waiting for 2 out of 2 new replicas to be updated)`)).toBe(true);
    expect(isPodsStep('Deployment default/receipt-svc not found: no pod is running')).toBe(true);
    expect(isPodsStep('Scaled to 2 pods (scaling.min)')).toBe(false);
    expect(isPodsStep('Auto-scaler set (2-10)')).toBe(false);
  });

  it('prints the JSON answer with the observed pods step, and refuses a bad --timeout', async () => {
    const lines = printed();
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const { api } = rolloutApi(justApplied, [rollout(2, true)]);
    await run('deploy', context({}, [RECEIPT], api, 'json'));
    expect((JSON.parse(lines.join('\n')) as ApplyResult).steps.at(-1)).toEqual({ ok: true, text: `2/2 pods ready (${IMAGE})` });
    await expect(run('deploy', context({ timeout: '-1' }, [RECEIPT], api))).rejects.toThrow(/--timeout must be a number of seconds/);
    await expect(run('deploy', context({ timeout: 'soon' }, [RECEIPT], api))).rejects.toThrow(/--timeout must be a number/);
    await expect(run('deploy', context({ timeout: '5', 'no-wait': true }, [RECEIPT], api))).rejects.toThrow(/not both/);
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
    expect(lines[0]).toMatch(/^name\s+namespace\s+version\s+port\s+meshUrl\s+mtls\s+cluster$/);
    expect(lines[1]).toMatch(/^receipt-svc\s+default\s+1.0\s+8080\s+http:\/\/receipt-svc.mesh:8080\s+STRICT\s+sandbox$/);
  });
});

describe('hms-sys policy delete', () => {
  afterEach(() => vi.restoreAllMocks());

  it('sends DELETE /policies/NAME (?dryRun=true with --dry-run) and prints the changed objects, then the steps', async () => {
    const answer = {
      name: 'fraud-scan-policy',
      destination: 'fraud-scanner',
      dryRun: true,
      steps: [{ ok: true, text: 'TrafficPolicy fraud-scan-policy would be deleted (dry run)' }],
      objects: [
        {
          ref: { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', namespace: 'irs', name: 'fraud-scanner' },
          action: 'configured',
          diff: ['- spec.http[0]'],
        },
        { ref: { apiVersion: 'v1', kind: 'Service', namespace: 'irs', name: 'fraud-scanner' }, action: 'unchanged', diff: [] },
      ],
      reasons: [],
    };
    const { api, calls } = recordingApi(answer);
    const lines = printed();
    await run('policy delete', context({ 'dry-run': true }, ['fraud-scan-policy'], api));
    expect(calls).toEqual([{ method: 'DELETE', path: '/policies/fraud-scan-policy?dryRun=true' }]);
    expect(lines).toEqual([
      '# VirtualService irs/fraud-scanner: would be configured',
      '#   - spec.http[0]',
      '✓ TrafficPolicy fraud-scan-policy would be deleted (dry run)',
    ]);
    await expect(run('policy delete', context({}, [], api))).rejects.toThrow('a policy name');
  });
});
