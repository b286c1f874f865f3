import { type Command, type CommandContext, need, number, UsageError } from '../command.ts';
import { print, printResult } from '../output.ts';

const columns = ['ruleId', 'name', 'service', 'minReplicas', 'maxReplicas', 'trigger.metric', 'trigger.threshold', 'scaleInThreshold', 'alarms'];
const statusColumns = ['ruleId', 'service', 'replicas', 'readyReplicas', 'metric', 'state', 'lastDecision.action', 'lastDecision.desiredReplicas'];
const dry = (v: unknown) => (v ? '?dryRun=true' : '');
const idOf = (ctx: CommandContext) => {
  const id = ctx.positionals[0];
  if (!id) throw new UsageError('a rule id such as AR-101 is required');
  return encodeURIComponent(id);
};

const ruleHelp: Record<string, string> = {
  service: 'the registered service to scale',
  name: 'a name people can search for, e.g. eligibility-surge-Q3',
  min: 'minReplicas: the floor (0 to 10000)',
  max: 'maxReplicas: the ceiling (at least min, at most 10000)',
  metric: 'the CloudWatch metric name, e.g. http_rps',
  threshold: 'scale out while the metric is above this',
  'scale-in-threshold': 'scale in while the metric is below this (adds the scale-in alarm)',
  'stabilization-seconds': 'how long scale-in waits, 0 to 3600 (default 300)',
  'dry-run': 'show the alarms and replica counts without changing anything',
  watch: 'repeat until interrupted',
  interval: 'seconds between --watch refreshes (default 5)',
};

const ruleFields = {
  name: { type: 'string' },
  min: { type: 'string' },
  max: { type: 'string' },
  metric: { type: 'string' },
  threshold: { type: 'string' },
  'scale-in-threshold': { type: 'string' },
  'stabilization-seconds': { type: 'string' },
  'dry-run': { type: 'boolean' },
} as const;

function ruleBody(ctx: CommandContext) {
  const body: Record<string, unknown> = {};
  if (ctx.values.name !== undefined) body.name = ctx.values.name;
  if (ctx.values.min !== undefined) body.minReplicas = number(ctx, 'min');
  if (ctx.values.max !== undefined) body.maxReplicas = number(ctx, 'max');
  if (ctx.values['scale-in-threshold'] !== undefined) body.scaleInThreshold = number(ctx, 'scale-in-threshold');
  if (ctx.values['stabilization-seconds'] !== undefined) body.scaleInStabilizationSeconds = number(ctx, 'stabilization-seconds');
  return body;
}

export const ruleCommands: Command[] = [
  {
    name: 'rules create',
    summary: 'create an autoscale rule and its CloudWatch alarms',
    usage: 'rules create --service S --min N --max N --metric M --threshold T [--name NAME] [--scale-in-threshold T] [--stabilization-seconds S] [--dry-run]',
    options: { service: { type: 'string' }, ...ruleFields },
    describe: ruleHelp,
    run: async (ctx) => {
      const body = {
        service: need(ctx, 'service'),
        minReplicas: number(ctx, 'min') ?? need(ctx, 'min'),
        maxReplicas: number(ctx, 'max') ?? need(ctx, 'max'),
        trigger: { metric: need(ctx, 'metric'), threshold: number(ctx, 'threshold') ?? need(ctx, 'threshold') },
        ...ruleBody(ctx),
      };
      const result = await ctx.api().call('POST', `/autoscale-rules${dry(ctx.values['dry-run'])}`, body);
      printResult(result, ctx.output, columns);
    },
  },
  {
    name: 'rules list',
    summary: 'list autoscale rules',
    usage: 'rules list [--service S]',
    options: { service: { type: 'string' } },
    run: async (ctx) => {
      const q = ctx.values.service ? `?service=${encodeURIComponent(String(ctx.values.service))}` : '';
      print(((await ctx.api().call('GET', `/autoscale-rules${q}`)) as { rules: unknown[] }).rules, ctx.output, columns);
    },
  },
  {
    name: 'rules get',
    summary: 'read one rule',
    usage: 'rules get ID',
    options: {},
    run: async (ctx) => print(await ctx.api().call('GET', `/autoscale-rules/${idOf(ctx)}`), ctx.output, columns),
  },
  {
    name: 'rules update',
    summary: 'edit a rule; its alarms follow',
    usage: 'rules update ID [--min N] [--max N] [--metric M --threshold T] [--name NAME] [--scale-in-threshold T] [--dry-run]',
    options: ruleFields,
    describe: ruleHelp,
    run: async (ctx) => {
      const body = ruleBody(ctx);
      if (ctx.values.metric !== undefined || ctx.values.threshold !== undefined) {
        body.trigger = { metric: need(ctx, 'metric'), threshold: number(ctx, 'threshold') ?? need(ctx, 'threshold') };
      }
      printResult(await ctx.api().call('PATCH', `/autoscale-rules/${idOf(ctx)}${dry(ctx.values['dry-run'])}`, body), ctx.output, columns);
    },
  },
  {
    name: 'rules delete',
    summary: 'delete a rule and its alarms',
    usage: 'rules delete ID [--dry-run]',
    options: { 'dry-run': { type: 'boolean' } },
    describe: ruleHelp,
    run: async (ctx) => printResult(await ctx.api().call('DELETE', `/autoscale-rules/${idOf(ctx)}${dry(ctx.values['dry-run'])}`), ctx.output, columns),
  },
  {
    name: 'rules status',
    summary: 'replicas, metric, alarm state and last decision',
    usage: 'rules status ID [--watch] [--interval SECONDS]',
    options: { watch: { type: 'boolean' }, interval: { type: 'string' } },
    describe: ruleHelp,
    run: async (ctx) => {
      const path = `/rules/${idOf(ctx)}/status`;
      do {
        print(await ctx.api().call('GET', path), ctx.output, statusColumns);
        if (ctx.values.watch) await new Promise((r) => setTimeout(r, (number(ctx, 'interval') ?? 5) * 1000));
      } while (ctx.values.watch);
    },
  },
];
