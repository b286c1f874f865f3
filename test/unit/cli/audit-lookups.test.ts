import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ApiClient } from '../../../bin/client.ts';
import { type CommandContext, UsageError } from '../../../bin/command.ts';
import { observeCommands } from '../../../bin/commands/observe.ts';

/** An API that answers each call with the next answer, and records the paths it was called with. */
function scriptedApi(...answers: unknown[]) {
  const paths: string[] = [];
  const api: ApiClient = {
    call: async (_method, path) => {
      paths.push(path);
      return answers.shift();
    },
  };
  return { api, paths };
}

const context = (values: CommandContext['values'], api: ApiClient): CommandContext => ({
  values,
  positionals: [],
  output: 'table',
  dataDir: '/nonexistent-hms-sys',
  api: () => api,
});

const run = (name: string, ctx: CommandContext) => observeCommands.find((c) => c.name === name)!.run(ctx);

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

const LOOKUP = {
  kind: 'lookup',
  time: '2026-12-03T09:30:00.000Z',
  actor: 'user/ana',
  action: 'lookup.listRules',
  target: '/autoscale-rules',
  before: { query: { service: 'portal' } },
  after: null,
  outcome: 'denied',
  reasons: ['the token lacks the scope hms/rules.read'],
  requestId: 'r-1',
  stream: 'lookup#2026-12-03',
  seq: 7,
  prevHash: 'a'.repeat(64),
  hash: 'b'.repeat(64),
};

describe('hms-sys audit --lookups', () => {
  it('asks for kind=lookup and prints who read what, with which query and outcome', async () => {
    const { api, paths } = scriptedApi({ records: [LOOKUP], nextCursor: 'c1' });
    const lines = printed();
    await run('audit', context({ lookups: true, limit: '1' }, api));
    expect(paths).toEqual(['/audit?kind=lookup&limit=1']);
    expect(lines[0]).toMatch(/^time\s+actor\s+action\s+target\s+before\s+outcome$/);
    expect(lines[1]).toMatch(/user\/ana\s+lookup\.listRules\s+\/autoscale-rules\s+\{"query":\{"service":"portal"\}\}\s+denied/);
    // The next page's command keeps to the lookups.
    expect(lines.at(-1)).toBe('\nmore: hms-sys audit --lookups --limit 1 --cursor c1');
  });

  it('lists changes without --lookups, as before', async () => {
    const { api, paths } = scriptedApi({ records: [], nextCursor: null });
    printed();
    await run('audit', context({}, api));
    expect(paths).toEqual(['/audit']);
  });

  it("verifies a day's lookup stream, and refuses --day without --lookups", async () => {
    const report = {
      stream: 'lookup#2026-12-02',
      from: 'checkpoint',
      records: 3,
      verifiedThrough: 3,
      intact: true,
      complete: true,
      cursor: null,
      firstBreak: null,
    };
    const { api, paths } = scriptedApi(report);
    const lines = printed();
    await run('audit verify', context({ lookups: true, day: '2026-12-02' }, api));
    expect(paths).toEqual(['/audit/verify?kind=lookup&day=2026-12-02']);
    expect(lines.join('\n')).toContain('lookup#2026-12-02');
    await expect(run('audit verify', context({ day: '2026-12-02' }, api))).rejects.toThrow(UsageError);
  });
});
