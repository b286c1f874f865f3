import { type Command, type CommandContext, need, number, UsageError } from '../command.ts';
import { print, printResult, roundMoney, withMoney } from '../output.ts';

const columns = ['service', 'monthlyUSD', 'spentUSD', 'projectedUSD', 'maxAffordableReplicas', 'state'];
const moneyFields = ['monthlyUSD', 'spentUSD', 'projectedUSD'];
const dry = (v: unknown) => (v ? '?dryRun=true' : '');

const serviceOf = (ctx: CommandContext) => {
  const service = ctx.positionals[0];
  if (!service) throw new UsageError('a service name such as fema-portal is required');
  return encodeURIComponent(service);
};

/** "80,100" → [80, 100], refusing anything that is not a list of whole percentages. */
export function parseThresholds(text: string): number[] {
  const parts = text.split(',').map((p) => p.trim());
  if (parts.some((p) => !/^\d+$/.test(p))) throw new UsageError('--thresholds must be whole percentages separated by commas, e.g. 80,100');
  return parts.map(Number);
}

function printBudget(ctx: CommandContext, budget: unknown) {
  printResult(budget, ctx.output, columns);
}

export const budgetCommands: Command[] = [
  {
    name: 'budgets set',
    summary: "set a service's monthly dollar cap: every scale-up is clamped to it",
    usage: 'budgets set SERVICE --monthly-usd N [--thresholds 80,100] [--dry-run]',
    options: { 'monthly-usd': { type: 'string' }, thresholds: { type: 'string' }, 'dry-run': { type: 'boolean' } },
    describe: {
      'monthly-usd': 'the cap in US dollars per calendar month (UTC), e.g. 10000',
      thresholds: 'alert at these percentages of the cap (default 80,100)',
      'dry-run': 'show the budget that would be set without changing anything',
    },
    run: async (ctx) => {
      const service = serviceOf(ctx);
      const body: Record<string, unknown> = { monthlyUSD: number(ctx, 'monthly-usd') ?? need(ctx, 'monthly-usd') };
      if (typeof ctx.values.thresholds === 'string') body.thresholds = parseThresholds(ctx.values.thresholds);
      const result = await ctx.api().call('POST', `/budgets/${service}${dry(ctx.values['dry-run'])}`, body);
      printBudget(ctx, result);
    },
  },
  {
    name: 'budgets get',
    summary: "spend, projection, affordable replicas and state of a service's budget",
    usage: 'budgets get SERVICE',
    options: {},
    run: async (ctx) => {
      const path = `/budgets/${serviceOf(ctx)}`;
      printBudget(ctx, await ctx.api().call('GET', path));
    },
  },
  {
    name: 'budgets list',
    summary: 'list budgets, rolled up by tag',
    usage: 'budgets list [--agency A] [--program P] [--fiscal-year FY]',
    options: { agency: { type: 'string' }, program: { type: 'string' }, 'fiscal-year': { type: 'string' } },
    describe: { agency: "only this agency's budgets", program: "only this program's budgets", 'fiscal-year': "only this fiscal year's budgets, e.g. FY2026" },
    run: async (ctx) => {
      const q = new URLSearchParams();
      for (const [option, tag] of [
        ['agency', 'agency'],
        ['program', 'program'],
        ['fiscal-year', 'fiscalYear'],
      ] as const) {
        if (typeof ctx.values[option] === 'string') q.set(tag, String(ctx.values[option]));
      }
      type Page = { budgets: Record<string, unknown>[]; totals: Record<string, unknown> & { count: number }; month: string };
      const page = (await ctx.api().call('GET', `/budgets${q.size ? `?${q}` : ''}`)) as Page;
      if (ctx.output === 'json') return print(page, 'json');
      print(page.budgets, 'table', columns);
      const totals = withMoney(roundMoney(page.totals) as Record<string, unknown>, moneyFields);
      console.log(
        `\n${page.month}: ${page.totals.count} budget${page.totals.count === 1 ? '' : 's'}, monthlyUSD ${totals.monthlyUSD}, spentUSD ${totals.spentUSD}, projectedUSD ${totals.projectedUSD}`,
      );
    },
  },
  {
    name: 'budgets delete',
    summary: "remove a service's cap",
    usage: 'budgets delete SERVICE [--dry-run]',
    options: { 'dry-run': { type: 'boolean' } },
    describe: { 'dry-run': 'show the budget that would be removed without changing anything' },
    run: async (ctx) => {
      const path = `/budgets/${serviceOf(ctx)}${dry(ctx.values['dry-run'])}`;
      printBudget(ctx, await ctx.api().call('DELETE', path));
    },
  },
];
