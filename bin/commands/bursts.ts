import type { ApiClient } from '../client.ts';
import { type Command, type CommandContext, need, number, UsageError } from '../command.ts';
import { print } from '../output.ts';
import { type BurstProgress, progressLine, redraw } from '../progress.ts';

const columns = ['burstId', 'service', 'state', 'requestedPods', 'bindingLimit', 'estimatedCostUSD', 'startAt', 'holdUntil'];
/** GET /bursts/{id} adds the pods the cluster reports. */
const statusColumns = ['burstId', 'service', 'state', 'readyPods', 'pendingPods', 'requestedPods', 'bindingLimit', 'estimatedCostUSD', 'startAt', 'holdUntil'];
const planColumns = ['requestedPods', 'bindingLimit', 'estimatedCostUSD', 'podHourUSD', 'estimatedReadySeconds'];
const dry = (v: unknown) => (v ? '?dryRun=true' : '');
const FINAL_STATES = new Set(['done', 'cancelled', 'failed']);

const idOf = (ctx: CommandContext) => {
  const id = ctx.positionals[0];
  if (!id) throw new UsageError('a burst id such as BU-1 is required');
  return id;
};
const burstPath = (id: string) => `/bursts/${encodeURIComponent(id)}`;

/** A required option that must be a whole number ≥ 0 (pods, minutes). */
function wholeNumber(ctx: CommandContext, name: string): number {
  const n = number(ctx, name) ?? Number(need(ctx, name));
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name} must be a whole number ≥ 0`);
  return n;
}

/** The POST /bursts body from the options, refusing what the API would refuse, in the options' own names. */
export function burstBody(ctx: CommandContext) {
  const fromPods = wholeNumber(ctx, 'from');
  const toPods = wholeNumber(ctx, 'to');
  if (toPods <= fromPods) throw new UsageError('--to must be greater than --from');
  const maxCostPerHourUSD = number(ctx, 'max-cost-per-hour') ?? Number(need(ctx, 'max-cost-per-hour'));
  if (!(maxCostPerHourUSD > 0)) throw new UsageError('--max-cost-per-hour must be a number of dollars greater than 0');
  const holdMinutes = wholeNumber(ctx, 'hold-minutes');
  if (holdMinutes < 1) throw new UsageError('--hold-minutes must be at least 1');
  const startAt = ctx.values['start-at'];
  if (startAt !== undefined && (typeof startAt !== 'string' || Number.isNaN(Date.parse(startAt)))) {
    throw new UsageError('--start-at must be an ISO 8601 time such as 2026-11-23T09:00:00Z');
  }
  return { service: need(ctx, 'service'), fromPods, toPods, maxCostPerHourUSD, holdMinutes, ...(startAt ? { startAt } : {}) };
}

/** A burst in the chosen format; in a table, a dry run says that nothing changed and shows the plan it would start. */
function printBurst(ctx: CommandContext, answer: Record<string, unknown>, tableColumns = columns) {
  if (ctx.output === 'json') return print(answer, 'json');
  const burst = (answer.wouldCancel ?? answer) as Record<string, unknown>;
  const plan = answer.dryRun && !answer.wouldCancel;
  if (answer.dryRun) console.log(`dry run, nothing changed: it would ${plan ? 'start this burst' : 'cancel this burst'}`);
  // A plan is not a burst yet: it has no id, state or times, but a price and a readiness estimate.
  print(burst, 'table', plan ? planColumns : tableColumns);
  const schedule = (burst.schedule ?? []) as Array<{ at: string; step: string; replicas: number; note: string }>;
  if (schedule.length)
    console.log(`\nschedule:\n${schedule.map((s) => `  ${s.at}  ${s.step.padEnd(10)} ${String(s.replicas).padStart(5)}  ${s.note}`).join('\n')}`);
  const warnings = (burst.capacityWarnings ?? []) as string[];
  if (warnings.length) console.log(`\nwarnings:\n${warnings.map((w) => `  ${w}`).join('\n')}`);
}

export interface WatchOptions {
  intervalMs: number;
  /** Redraw one line in place (a terminal) or print a line per refresh (a pipe or file). */
  tty: boolean;
  /** One JSON status per refresh instead of the bar. */
  json?: boolean;
  write(text: string): void;
  sleep?(ms: number): Promise<void>;
}

/** Polls a burst until it ends, drawing its progress; answers the final status. */
export async function watchBurst(api: ApiClient, id: string, options: WatchOptions): Promise<BurstProgress> {
  const sleep = options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  for (;;) {
    const status = (await api.call('GET', burstPath(id))) as BurstProgress;
    if (options.json) options.write(`${JSON.stringify(status)}\n`);
    else options.write(options.tty ? redraw(progressLine(status)) : `${progressLine(status)}\n`);
    if (FINAL_STATES.has(status.state)) {
      if (options.tty && !options.json) options.write('\n');
      return status;
    }
    await sleep(options.intervalMs);
  }
}

export const burstCommands: Command[] = [
  {
    name: 'burst create',
    summary: 'plan a burst: ramp to a pod count, hold, scale back, within a cost cap',
    usage: 'burst create --service S --from N --to N --max-cost-per-hour USD --hold-minutes N [--start-at ISO] [--dry-run]',
    options: {
      service: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      'max-cost-per-hour': { type: 'string' },
      'hold-minutes': { type: 'string' },
      'start-at': { type: 'string' },
      'dry-run': { type: 'boolean' },
    },
    describe: {
      service: 'the registered service to burst',
      from: 'the pods running now',
      to: 'the pods to reach (more than --from)',
      'max-cost-per-hour': 'the most the burst may cost per hour, in US dollars: it caps the pods',
      'hold-minutes': 'how long to hold the pods once ready, 1 to 10080 (7 days)',
      'start-at': 'start later, at this ISO 8601 time; nodes are warmed ahead of it (default: now)',
      'dry-run': 'show the schedule, binding limit and cost without changing anything',
    },
    run: async (ctx) => {
      const body = burstBody(ctx);
      const result = await ctx.api().call('POST', `/bursts${dry(ctx.values['dry-run'])}`, body);
      printBurst(ctx, result as Record<string, unknown>);
    },
  },
  {
    name: 'burst status',
    summary: "a burst's state, with ready and requested pods from the cluster",
    usage: 'burst status ID [--watch] [--interval SECONDS]',
    options: { watch: { type: 'boolean' }, interval: { type: 'string' } },
    describe: { watch: 'draw a live progress bar until the burst is done, cancelled or failed', interval: 'seconds between --watch refreshes (default 2)' },
    run: async (ctx) => {
      const id = idOf(ctx);
      const interval = number(ctx, 'interval') ?? 2;
      if (!(interval > 0)) throw new UsageError('--interval must be a number of seconds greater than 0');
      if (!ctx.values.watch) return printBurst(ctx, (await ctx.api().call('GET', burstPath(id))) as Record<string, unknown>, statusColumns);
      const final = await watchBurst(ctx.api(), id, {
        intervalMs: interval * 1000,
        tty: Boolean(process.stdout.isTTY),
        json: ctx.output === 'json',
        write: (text) => process.stdout.write(text),
      });
      if (final.state === 'failed') throw new Error(`burst ${id} failed: ${final.failure ?? 'see hms-sys audit'}`);
    },
  },
  {
    name: 'burst cancel',
    summary: 'cancel a burst and restore the earlier level',
    usage: 'burst cancel ID [--dry-run]',
    options: { 'dry-run': { type: 'boolean' } },
    describe: { 'dry-run': 'show the burst that would be cancelled without changing anything' },
    run: async (ctx) => {
      const path = `${burstPath(idOf(ctx))}${dry(ctx.values['dry-run'])}`;
      const result = await ctx.api().call('DELETE', path);
      printBurst(ctx, result as Record<string, unknown>);
    },
  },
];
