import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ApiClient } from '../../../bin/client.ts';
import { type CommandContext, parse, UsageError } from '../../../bin/command.ts';
import { sandboxCommands } from '../../../bin/commands/sandbox.ts';

const command = sandboxCommands.find((c) => c.name === 'sandbox pod')!;

function recordingApi() {
  const calls: Array<{ method: string; path: string; body?: unknown }> = [];
  const api: ApiClient = {
    call: async (method, path, body) => {
      calls.push({ method, path, body });
      return { pod: 'receipt-svc-1', service: 'receipt-svc', failed: true };
    },
  };
  return { api, calls };
}

const run = async (args: string[]) => {
  const { api, calls } = recordingApi();
  const parsed = parse(command, args) as unknown as { values: CommandContext['values']; positionals: string[] };
  vi.spyOn(console, 'log').mockImplementation(() => undefined);
  await command.run({ values: parsed.values, positionals: parsed.positionals, output: 'json', dataDir: '/nonexistent', api: () => api });
  return calls;
};

afterEach(() => {
  vi.restoreAllMocks();
});

describe('hms-sys sandbox pod', () => {
  it('sends the pod and only the changes given to POST /sandbox/mesh/pods', async () => {
    expect(await run(['receipt-svc-1', '--fail'])).toEqual([{ method: 'POST', path: '/sandbox/mesh/pods', body: { pod: 'receipt-svc-1', fail: true } }]);
    expect((await run(['receipt-svc-1', '--latency', '800', '--error-rate', '0.5']))[0]!.body).toEqual({
      pod: 'receipt-svc-1',
      latencyMs: 800,
      errorRate: 0.5,
    });
    expect((await run(['receipt-svc-1', '--recover']))[0]!.body).toEqual({ pod: 'receipt-svc-1', recover: true });
  });

  it('refuses a missing pod name and a value that is not a number, before any call', async () => {
    await expect(run([])).rejects.toBeInstanceOf(UsageError);
    await expect(run(['receipt-svc-1', '--latency', 'slow'])).rejects.toThrow('--latency must be a number');
  });
});
