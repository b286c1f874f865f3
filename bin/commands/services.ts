import { need, type Command } from '../command.ts';
import { print } from '../output.ts';

const columns = ['name', 'cluster', 'namespace', 'deployment', 'tags.agency', 'tags.program', 'tags.fiscalYear'];
const dry = (v: unknown) => (v ? '?dryRun=true' : '');

export const serviceCommands: Command[] = [
  {
    name: 'services create', summary: 'register a service and the Deployment it names',
    usage: 'services create --name N --cluster C --namespace NS --deployment D --agency A --program P --fiscal-year FY [--dry-run]',
    options: {
      name: { type: 'string' }, cluster: { type: 'string' }, namespace: { type: 'string' }, deployment: { type: 'string' },
      agency: { type: 'string' }, program: { type: 'string' }, 'fiscal-year': { type: 'string' }, 'dry-run': { type: 'boolean' },
    },
    describe: {
      name: 'the service name (a DNS-1123 label)', cluster: 'the EKS cluster (the sandbox\'s is named sandbox)',
      namespace: 'the Deployment\'s namespace', deployment: 'the Deployment\'s name',
      agency: 'audit tag: the agency', program: 'audit tag: the program', 'fiscal-year': 'audit tag: the fiscal year, e.g. FY2026',
      'dry-run': 'show what would be registered without changing anything',
    },
    run: async (ctx) => {
      const body = {
        name: need(ctx, 'name'), cluster: need(ctx, 'cluster'), namespace: need(ctx, 'namespace'), deployment: need(ctx, 'deployment'),
        tags: { agency: need(ctx, 'agency'), program: need(ctx, 'program'), fiscalYear: need(ctx, 'fiscal-year') },
      };
      const result = await ctx.api().call('POST', `/services${dry(ctx.values['dry-run'])}`, body);
      print(result, ctx.values['dry-run'] ? 'json' : ctx.output, columns);
    },
  },
  {
    name: 'services list', summary: 'list registered services', usage: 'services list', options: {},
    run: async (ctx) => print(((await ctx.api().call('GET', '/services')) as { services: unknown[] }).services, ctx.output, columns),
  },
  {
    name: 'services get', summary: 'read one service', usage: 'services get NAME', options: {},
    run: async (ctx) => print(await ctx.api().call('GET', `/services/${encodeURIComponent(ctx.positionals[0] ?? '')}`), ctx.output, columns),
  },
  {
    name: 'services delete', summary: 'remove a service no rule targets', usage: 'services delete NAME [--dry-run]',
    options: { 'dry-run': { type: 'boolean' } },
    run: async (ctx) => print(await ctx.api().call('DELETE', `/services/${encodeURIComponent(ctx.positionals[0] ?? '')}${dry(ctx.values['dry-run'])}`), 'json'),
  },
];
