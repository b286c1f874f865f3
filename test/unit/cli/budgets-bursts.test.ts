import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ApiClient } from '../../../bin/client.ts';
import { type Command, type CommandContext, helpText, UsageError } from '../../../bin/command.ts';
import { budgetCommands, parseThresholds } from '../../../bin/commands/budgets.ts';
import { burstBody, burstCommands, watchBurst } from '../../../bin/commands/bursts.ts';
import { money } from '../../../bin/output.ts';
import { type BurstProgress, progressBar, progressLine, redraw } from '../../../bin/progress.ts';

const commands: Command[] = [...budgetCommands, ...burstCommands];
const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'bin/cli.ts', ...args], { encoding: 'utf8', env: { ...process.env, HMS_DATA_DIR: '/nonexistent-hms-sys' } });

/** An API that answers each GET with the next status, and records every call. */
function scriptedApi(statuses: Array<Partial<BurstProgress>>) {
  const calls: string[] = [];
  const api: ApiClient = {
    call: async (method, path) => {
      calls.push(`${method} ${path}`);
      return { requestedPods: 990, readyPods: 0, state: 'ramping', ...statuses[Math.min(calls.length - 1, statuses.length - 1)] };
    },
  };
  return { api, calls };
}

function context(values: CommandContext['values'], positionals: string[] = [], api?: ApiClient): CommandContext {
  return {
    values,
    positionals,
    output: 'table',
    dataDir: '/nonexistent-hms-sys',
    api: () => {
      if (!api) throw new Error('this test makes no API calls');
      return api;
    },
  };
}

const run = (name: string, ctx: CommandContext) => commands.find((c) => c.name === name)!.run(ctx);

const burstOptions = { service: 'fema-portal', from: '10', to: '1000', 'max-cost-per-hour': '200', 'hold-minutes': '20' };

describe('budgets and burst commands', () => {
  it('covers the commands the budgets and bursts issue lists', () => {
    expect(commands.map((c) => c.name)).toEqual([
      'budgets set',
      'budgets get',
      'budgets list',
      'budgets delete',
      'burst create',
      'burst status',
      'burst cancel',
    ]);
  });

  it.each(commands.map((c) => [c.name, c] as const))('%s has help text naming its usage and every option', (_, command) => {
    const text = helpText(command);
    expect(text).toContain(`Usage: hms-sys ${command.usage}`);
    for (const option of Object.keys(command.options)) expect(text).toMatch(new RegExp(`--${option}( <value>)? +\\S`));
  });

  it("lists the burst group's commands for `hms-sys burst`", () => {
    const listed = cli('burst');
    expect(listed.status).toBe(0);
    expect(listed.stdout).toContain('hms-sys burst status ID [--watch] [--interval SECONDS]');
    expect(listed.stdout).toContain('hms-sys burst cancel ID [--dry-run]');
  });

  it.each([
    ['budgets set', { 'monthly-usd': '100' }, [], 'a service name such as fema-portal is required'],
    ['budgets set', {}, ['fema-portal'], '--monthly-usd is required'],
    ['budgets set', { 'monthly-usd': 'lots' }, ['fema-portal'], '--monthly-usd must be a number'],
    ['budgets set', { 'monthly-usd': '100', thresholds: '80,full' }, ['fema-portal'], '--thresholds must be whole percentages'],
    ['budgets get', {}, [], 'a service name such as fema-portal is required'],
    ['budgets delete', { 'dry-run': true }, [], 'a service name such as fema-portal is required'],
    ['burst create', { service: 'fema-portal' }, [], '--from is required'],
    ['burst status', {}, [], 'a burst id such as BU-1 is required'],
    ['burst status', { watch: true, interval: '0' }, ['BU-1'], '--interval must be a number of seconds greater than 0'],
    ['burst status', { interval: 'soon' }, ['BU-1'], '--interval must be a number'],
    ['burst cancel', {}, [], 'a burst id such as BU-1 is required'],
  ] as const)('%s %j %j: a usage error before any API call', async (name, values, positionals, message) => {
    const attempt = run(name, context({ ...values }, [...positionals]));
    await expect(attempt).rejects.toThrow(UsageError);
    await expect(run(name, context({ ...values }, [...positionals]))).rejects.toThrow(message);
  });

  it.each([
    [['budgets', 'set', 'fema-portal', '--monthly-usd', 'lots'], 'hms-sys: --monthly-usd must be a number'],
    [['burst', 'create', ...Object.entries({ ...burstOptions, to: '5' }).flatMap(([k, v]) => [`--${k}`, v])], 'hms-sys: --to must be greater than --from'],
    [['burst', 'status', '--watch'], 'hms-sys: a burst id such as BU-1 is required'],
    [['burst', 'create', '--servce', 'x'], "hms-sys: unknown option --servce (did you mean --service?) for 'burst create'; see hms-sys burst create --help"],
  ])('the CLI answers %j with exit 2 and the usage error, not the missing token', (args, message) => {
    const result = cli(...args);
    expect(result.stderr.trim()).toBe(message);
    expect(result.status).toBe(2);
  });
});

describe('burst create options', () => {
  it("builds the POST /bursts body in the API's names", () => {
    expect(burstBody(context({ ...burstOptions, 'start-at': '2026-11-23T09:00:00Z' }))).toEqual({
      service: 'fema-portal',
      fromPods: 10,
      toPods: 1000,
      maxCostPerHourUSD: 200,
      holdMinutes: 20,
      startAt: '2026-11-23T09:00:00Z',
    });
    expect(burstBody(context(burstOptions))).not.toHaveProperty('startAt');
  });

  it.each([
    [{ from: '-1' }, '--from must be a whole number ≥ 0'],
    [{ to: '10.5' }, '--to must be a whole number ≥ 0'],
    [{ to: '10' }, '--to must be greater than --from'],
    [{ 'max-cost-per-hour': '-5' }, '--max-cost-per-hour must be a number of dollars greater than 0'],
    [{ 'max-cost-per-hour': 'cheap' }, '--max-cost-per-hour must be a number'],
    [{ 'hold-minutes': '0' }, '--hold-minutes must be at least 1'],
    [{ 'start-at': 'tomorrow' }, '--start-at must be an ISO 8601 time'],
    [{ service: undefined }, '--service is required'],
  ])('refuses %j', (override, message) => {
    expect(() => burstBody(context({ ...burstOptions, ...override }))).toThrow(UsageError);
    expect(() => burstBody(context({ ...burstOptions, ...override }))).toThrow(message);
  });

  it('reads thresholds as whole percentages', () => {
    expect(parseThresholds('80,100')).toEqual([80, 100]);
    expect(parseThresholds(' 50 , 90 ')).toEqual([50, 90]);
    for (const bad of ['', '80,', '80;100', '12.5', '-10']) expect(() => parseThresholds(bad)).toThrow(UsageError);
  });

  it('shows money with two decimals in tables', () => {
    expect(money(10_000)).toBe('10,000.00');
    expect(money(66.8449)).toBe('66.84');
    expect(money(null)).toBeNull();
  });
});

describe('the burst progress bar', () => {
  it('draws ready against requested pods with the state', () => {
    expect(progressBar(640, 990, 14)).toBe('[#########-----]');
    expect(progressLine({ state: 'ramping', readyPods: 640, requestedPods: 990 }, 14)).toBe('[#########-----] 640/990 ready  state=ramping');
    expect(progressLine({ state: 'ramping', readyPods: 22, requestedPods: 990, pendingPods: 698 }, 10)).toBe(
      '[----------] 22/990 ready  state=ramping  pending=698',
    );
    expect(progressLine({ state: 'scheduled', readyPods: null, requestedPods: 990 }, 4)).toBe('[----] ?/990 ready  state=scheduled');
    expect(progressBar(1000, 990, 4)).toBe('[####]');
    expect(progressBar(0, 0, 4)).toBe('[####]');
  });

  it('keeps its width, fills monotonically, and is full only when every pod is ready', () => {
    fc.assert(
      fc.property(fc.nat(5_000), fc.nat(5_000), fc.nat(5_000), fc.integer({ min: 1, max: 80 }), (a, b, requested, width) => {
        const [low, high] = a <= b ? [a, b] : [b, a];
        const filled = (ready: number) => progressBar(ready, requested, width).split('#').length - 1;
        expect(progressBar(low, requested, width)).toHaveLength(width + 2);
        expect(filled(low)).toBeLessThanOrEqual(filled(high));
        if (requested > 0) expect(filled(low) === width).toBe(low >= requested);
      }),
    );
  });

  it('redraws in place on a terminal', () => {
    expect(redraw('x')).toBe('\r\x1b[2Kx');
  });
});

describe('burst status --watch', () => {
  const story: Array<Partial<BurstProgress>> = [
    { state: 'ramping', readyPods: 10, pendingPods: 968 },
    { state: 'ramping', readyPods: 640 },
    { state: 'holding', readyPods: 990 },
    { state: 'done', readyPods: 10 },
  ];
  const noSleep = async () => undefined;

  it('prints one line per refresh when stdout is not a terminal, and stops when the burst is done', async () => {
    const { api, calls } = scriptedApi(story);
    let out = '';
    const final = await watchBurst(api, 'BU-7', {
      intervalMs: 1,
      tty: false,
      write: (t) => {
        out += t;
      },
      sleep: noSleep,
    });
    expect(final.state).toBe('done');
    expect(calls).toEqual(Array(4).fill('GET /bursts/BU-7'));
    expect(out.split('\n').filter(Boolean)).toEqual([
      `${progressBar(10, 990)} 10/990 ready  state=ramping  pending=968`,
      `${progressBar(640, 990)} 640/990 ready  state=ramping`,
      `${progressBar(990, 990)} 990/990 ready  state=holding`,
      `${progressBar(10, 990)} 10/990 ready  state=done`,
    ]);
    expect(out).not.toContain('\r');
  });

  it('redraws one line on a terminal and ends it with a newline', async () => {
    const { api } = scriptedApi(story);
    const writes: string[] = [];
    await watchBurst(api, 'BU-7', { intervalMs: 1, tty: true, write: (t) => writes.push(t), sleep: noSleep });
    expect(writes).toHaveLength(5);
    expect(writes.slice(0, 4).every((w) => w.startsWith('\r\x1b[2K') && !w.includes('\n'))).toBe(true);
    expect(writes[4]).toBe('\n');
  });

  it('prints a JSON status per refresh with --output json', async () => {
    const { api } = scriptedApi(story.slice(2));
    let out = '';
    await watchBurst(api, 'BU-7', {
      intervalMs: 1,
      tty: true,
      json: true,
      write: (t) => {
        out += t;
      },
      sleep: noSleep,
    });
    expect(
      out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).state),
    ).toEqual(['holding', 'done']);
  });

  it('waits the interval between refreshes', async () => {
    const { api } = scriptedApi(story);
    const slept: number[] = [];
    await watchBurst(api, 'BU-7', {
      intervalMs: 250,
      tty: false,
      write: () => undefined,
      sleep: async (ms) => {
        slept.push(ms);
      },
    });
    expect(slept).toEqual([250, 250, 250]);
  });

  it('stops on cancelled, and fails the command on failed', async () => {
    const cancelled = scriptedApi([
      { state: 'ramping', readyPods: 30 },
      { state: 'cancelled', readyPods: 10 },
    ]);
    expect((await watchBurst(cancelled.api, 'BU-2', { intervalMs: 1, tty: false, write: () => undefined, sleep: noSleep })).state).toBe('cancelled');

    const failed = scriptedApi([{ state: 'failed', readyPods: null, failure: 'deployment fema/fema-portal does not exist' }]);
    const write = process.stdout.write;
    process.stdout.write = (() => true) as typeof process.stdout.write;
    try {
      await expect(run('burst status', context({ watch: true, interval: '0.01' }, ['BU-3'], failed.api))).rejects.toThrow(
        'burst BU-3 failed: deployment fema/fema-portal does not exist',
      );
    } finally {
      process.stdout.write = write;
    }
  });
});
