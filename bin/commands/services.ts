import { type Command, type CommandContext, list, need, number, UsageError } from '../command.ts';
import { print, printResult } from '../output.ts';
import { secretArn } from './secrets.ts';

const columns = ['name', 'cluster', 'namespace', 'deployment', 'tags.agency', 'tags.program', 'tags.fiscalYear', 'secrets'];
const dry = (v: unknown) => (v ? '?dryRun=true' : '');
const nameOf = (ctx: CommandContext) => {
  const name = ctx.positionals[0];
  if (!name) throw new UsageError('a service name such as eligibility-api is required');
  return encodeURIComponent(name);
};
const secretsOf = (ctx: CommandContext) => list(ctx, 'secret').map((arn) => secretArn(arn, '--secret'));

const secretHelp = 'a Secrets Manager secret ARN the Deployment reads (repeat for each): its rotation restarts the Deployment';

export const serviceCommands: Command[] = [
  {
    name: 'services create',
    summary: 'register a service and the Deployment it names',
    usage: 'services create --name N --cluster C --namespace NS --deployment D --agency A --program P --fiscal-year FY [--secret ARN ...] [--dry-run]',
    options: {
      name: { type: 'string' },
      cluster: { type: 'string' },
      namespace: { type: 'string' },
      deployment: { type: 'string' },
      agency: { type: 'string' },
      program: { type: 'string' },
      'fiscal-year': { type: 'string' },
      secret: { type: 'string', multiple: true },
      'dry-run': { type: 'boolean' },
    },
    describe: {
      name: 'the service name (a DNS-1123 label)',
      cluster: "the EKS cluster (the sandbox's is named sandbox)",
      namespace: "the Deployment's namespace",
      deployment: "the Deployment's name",
      agency: 'audit tag: the agency',
      program: 'audit tag: the program',
      'fiscal-year': 'audit tag: the fiscal year, e.g. FY2026',
      secret: secretHelp,
      'dry-run': 'show what would be registered without changing anything',
    },
    run: async (ctx) => {
      const secrets = secretsOf(ctx);
      const body = {
        name: need(ctx, 'name'),
        cluster: need(ctx, 'cluster'),
        namespace: need(ctx, 'namespace'),
        deployment: need(ctx, 'deployment'),
        tags: { agency: need(ctx, 'agency'), program: need(ctx, 'program'), fiscalYear: need(ctx, 'fiscal-year') },
        ...(secrets.length ? { secrets } : {}),
      };
      printResult(await ctx.api().call('POST', `/services${dry(ctx.values['dry-run'])}`, body), ctx.output, columns);
    },
  },
  {
    name: 'services update',
    summary: 'change the secrets a service reads, its tags or its pod-hour price',
    usage: 'services update NAME [--secret ARN ...] [--no-secrets] [--agency A] [--program P] [--fiscal-year FY] [--pod-hour-usd N] [--dry-run]',
    options: {
      secret: { type: 'string', multiple: true },
      'no-secrets': { type: 'boolean' },
      agency: { type: 'string' },
      program: { type: 'string' },
      'fiscal-year': { type: 'string' },
      'pod-hour-usd': { type: 'string' },
      'dry-run': { type: 'boolean' },
    },
    describe: {
      secret: `${secretHelp}; the list given replaces the old one`,
      'no-secrets': 'the Deployment reads no secret any more',
      agency: 'audit tag: the agency',
      program: 'audit tag: the program',
      'fiscal-year': 'audit tag: the fiscal year, e.g. FY2027',
      'pod-hour-usd': "the price of a pod-hour in US dollars, instead of the region's Fargate rates",
      'dry-run': 'show the service as it would be, without changing anything',
    },
    run: async (ctx) => {
      const name = nameOf(ctx);
      const secrets = secretsOf(ctx);
      if (secrets.length && ctx.values['no-secrets']) throw new UsageError('give --secret or --no-secrets, not both');
      const tags = Object.fromEntries(
        (['agency', 'program', 'fiscal-year'] as const)
          .filter((option) => ctx.values[option] !== undefined)
          .map((option) => [option === 'fiscal-year' ? 'fiscalYear' : option, need(ctx, option)]),
      );
      const podHourUSD = number(ctx, 'pod-hour-usd');
      // A JSON merge patch: only what was given; null removes the list.
      const patch = {
        ...(secrets.length ? { secrets } : ctx.values['no-secrets'] ? { secrets: null } : {}),
        ...(Object.keys(tags).length ? { tags } : {}),
        ...(podHourUSD === undefined ? {} : { podHourUSD }),
      };
      if (Object.keys(patch).length === 0) throw new UsageError('nothing to change: give --secret, --no-secrets, a tag or --pod-hour-usd');
      printResult(await ctx.api().call('PATCH', `/services/${name}${dry(ctx.values['dry-run'])}`, patch), ctx.output, columns);
    },
  },
  {
    name: 'services list',
    summary: 'list registered services',
    usage: 'services list',
    options: {},
    run: async (ctx) => print(((await ctx.api().call('GET', '/services')) as { services: unknown[] }).services, ctx.output, columns),
  },
  {
    name: 'services get',
    summary: 'read one service',
    usage: 'services get NAME',
    options: {},
    run: async (ctx) => print(await ctx.api().call('GET', `/services/${nameOf(ctx)}`), ctx.output, columns),
  },
  {
    name: 'services delete',
    summary: 'remove a service (refused while rules target it, unless --cascade)',
    usage: 'services delete NAME [--cascade] [--dry-run]',
    options: { cascade: { type: 'boolean' }, 'dry-run': { type: 'boolean' } },
    describe: {
      cascade: 'delete the rules that target the service, and their alarms, first',
      'dry-run': 'show the service that would be removed without changing anything',
    },
    run: async (ctx) => {
      const query = new URLSearchParams({
        ...(ctx.values.cascade ? { cascade: 'true' } : {}),
        ...(ctx.values['dry-run'] ? { dryRun: 'true' } : {}),
      }).toString();
      printResult(await ctx.api().call('DELETE', `/services/${nameOf(ctx)}${query ? `?${query}` : ''}`), ctx.output, columns);
    },
  },
];
