import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ApiClient } from '../../../bin/client.ts';
import { type CommandContext, UsageError } from '../../../bin/command.ts';
import { meshOpsCommands, statusLines } from '../../../bin/commands/mesh-ops.ts';

function recordingApi(answer: unknown) {
  const calls: Array<{ method: string; path: string; body?: unknown }> = [];
  const api: ApiClient = {
    call: async (method, path, body) => {
      calls.push({ method, path, ...(body === undefined ? {} : { body }) });
      return answer;
    },
  };
  return { api, calls };
}
const context = (values: CommandContext['values'], positionals: string[], api: ApiClient): CommandContext => ({
  values,
  positionals,
  output: 'table',
  dataDir: '/nonexistent-hms-sys',
  api: () => api,
});
const run = (name: string, ctx: CommandContext) => meshOpsCommands.find((c) => c.name === name)!.run(ctx);
function printed(): string[] {
  const lines: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void lines.push(args.join(' ')));
  return lines;
}
afterEach(() => vi.restoreAllMocks());

const vsChange = {
  ref: { kind: 'VirtualService', namespace: 'default', name: 'fraud-scanner' },
  action: 'configured',
  diff: ['http routes: fraud-scanner -> pause, fraud-scanner'],
  object: { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'fraud-scanner' } },
};

describe('hms-sys pause', () => {
  it('posts chapter 7’s body with the reason and prints when the pause ends', async () => {
    const { api, calls } = recordingApi({ pause: { until: '2026-11-23T12:30:00.000Z' }, objects: [vsChange] });
    const lines = printed();
    await run('pause', context({ minutes: '30', reason: 'maintenance' }, ['fraud-scanner'], api));
    expect(calls).toEqual([{ method: 'POST', path: '/policies/pause', body: { service: 'fraud-scanner', durationMin: 30, reason: 'maintenance' } }]);
    expect(lines[0]).toBe(
      '✓ fraud-scanner paused until 2026-11-23T12:30:00.000Z: callers in the mesh (through their sidecar, or in ambient mode the Service’s waypoint) get 503 "Service Paused", no restarts',
    );
    expect(lines[1]).toMatch(
      /^ {2}still reaching its pods: traffic entering through an ingress gateway .*, callers outside the mesh \(no sidecar\), and in ambient mode without a waypoint every caller/,
    );
    expect(lines).toContain('VirtualService default/fraud-scanner: configured');
  });

  it('prints the changed objects with their routes in words, and leaves out the unchanged ones', async () => {
    const unchanged = { ref: { kind: 'Deployment', namespace: 'default', name: 'fraud-scanner' }, action: 'unchanged', diff: [] };
    const { api } = recordingApi({ pause: { until: '2026-11-23T12:30:00.000Z' }, objects: [unchanged, vsChange] });
    const lines = printed();
    await run('pause', context({ minutes: '30' }, ['fraud-scanner'], api));
    expect(lines.slice(2)).toEqual(['VirtualService default/fraud-scanner: configured', '   http routes: fraud-scanner -> pause, fraud-scanner']);
  });

  it('on --dry-run asks for a dry run and prints the objects as YAML', async () => {
    const { api, calls } = recordingApi({ dryRun: true, wouldPause: { until: '2026-11-23T12:30:00.000Z' }, objects: [vsChange] });
    const lines = printed();
    await run('pause', context({ minutes: '30', 'dry-run': true }, ['fraud-scanner'], api));
    expect(calls[0]?.path).toBe('/policies/pause?dryRun=true');
    expect(lines[0]).toContain('dry run, nothing changed');
    expect(lines.join('\n')).toContain('kind: VirtualService');
  });

  it.each([['0'], ['10081'], ['2.5'], ['soon'], [' 30'], ['30 '], ['0x1e'], ['1e1'], ['+30'], ['']])(
    'refuses --minutes "%s" before calling the API',
    async (minutes) => {
      const { api, calls } = recordingApi({});
      await expect(run('pause', context({ minutes }, ['fraud-scanner'], api))).rejects.toBeInstanceOf(UsageError);
      expect(calls).toEqual([]);
    },
  );

  it('needs a service', async () => {
    const { api } = recordingApi({});
    await expect(run('pause', context({ minutes: '5' }, [], api))).rejects.toThrow('a service name');
  });
});

describe('hms-sys resume, pauses and mesh status', () => {
  it('resume deletes the pause of the service named', async () => {
    const { api, calls } = recordingApi({ resumed: 'fraud-scanner', objects: [] });
    printed();
    await run('resume', context({}, ['fraud-scanner'], api));
    expect(calls).toEqual([{ method: 'DELETE', path: '/policies/pause/fraud-scanner' }]);
  });

  it('resume --reason sends the reason for the audit record, encoded in the query', async () => {
    const { api, calls } = recordingApi({ resumed: 'fraud-scanner', objects: [] });
    printed();
    await run('resume', context({ reason: 'done early & checked' }, ['fraud-scanner'], api));
    expect(calls).toEqual([{ method: 'DELETE', path: '/policies/pause/fraud-scanner?reason=done+early+%26+checked' }]);
  });

  it('mesh status flags PERMISSIVE and shows pauses, open breakers and the root CA', () => {
    const lines = statusLines({
      services: [
        { name: 'fraud-scanner', namespace: 'irs', mtls: 'STRICT', paused: { until: '2026-11-23T12:30:00Z', by: 'user/ops' }, breaker: null },
        { name: 'legacy', namespace: 'default', mtls: 'PERMISSIVE', flagged: 'PERMISSIVE: plain-text calls are accepted too', paused: null, breaker: null },
      ],
      certificates: "workload certificates are issued and rotated by Istio's CA",
      rootCa: { lines: ['O=cluster.local (sandbox) expires 2036-01-01T00:00:00Z: 3650 days left'] },
    });
    expect(lines[0]).toMatch(/^service\s+namespace\s+mtls\s+notes$/);
    expect(lines[1]).toContain('paused until 2026-11-23T12:30:00Z by user/ops');
    expect(lines[1]!.indexOf('STRICT')).toBe(lines[0]!.indexOf('mtls') + 'mTLS '.length);
    expect(lines[2]).toContain('⚠ PERMISSIVE');
    expect(lines.at(-1)).toContain('root CA: O=cluster.local');
  });
});
