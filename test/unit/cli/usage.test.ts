import { spawnSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ApiClient } from '../../../bin/client.ts';
import { type Command, type CommandContext, helpText, parse, UsageError } from '../../../bin/command.ts';
import { budgetCommands } from '../../../bin/commands/budgets.ts';
import { burstCommands } from '../../../bin/commands/bursts.ts';
import { devCommands } from '../../../bin/commands/dev.ts';
import { observeCommands } from '../../../bin/commands/observe.ts';
import { ruleCommands } from '../../../bin/commands/rules.ts';
import { serviceCommands } from '../../../bin/commands/services.ts';
import { print, printResult, roundMoney } from '../../../bin/output.ts';
import { editDistance, nearest } from '../../../bin/suggest.ts';

const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'bin/cli.ts', ...args], { encoding: 'utf8', env: { ...process.env, HMS_DATA_DIR: '/nonexistent-hms-sys' } });
const commands: Command[] = [...devCommands, ...serviceCommands, ...ruleCommands, ...budgetCommands, ...burstCommands, ...observeCommands];
const command = (name: string) => commands.find((c) => c.name === name)!;
const SECRET = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:benefits/eligibility-db-AbCdEf';

let printed: string[];
beforeEach(() => {
  printed = [];
  vi.spyOn(console, 'log').mockImplementation((line: unknown) => void printed.push(String(line)));
});
afterEach(() => vi.restoreAllMocks());

/** A context whose API records each call and answers with `answer`. */
function context(values: CommandContext['values'], positionals: string[], answer: unknown, output: 'json' | 'table' = 'table') {
  const calls: Array<{ method: string; path: string; body: unknown }> = [];
  const api: ApiClient = {
    call: async (method, path, body) => {
      calls.push({ method, path, body });
      return answer;
    },
  };
  const ctx: CommandContext = { values, positionals, output, dataDir: '/nonexistent-hms-sys', api: () => api };
  return { ctx, calls };
}

describe('a misspelt command', () => {
  it.each([
    [['services', 'lst'], 'services list'],
    [['servces', 'list'], 'services list'],
    [['rule', 'create', '--name', 'x'], 'rules create'],
    [['budgets', 'delet', 'svc'], 'budgets delete'],
  ])('%j: suggests `%s` and exits 2', (argv, suggestion) => {
    const run = cli(...argv);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`did you mean \`${suggestion}\`?`);
  });

  it('suggests a two-word command for an argument a one-word command does not take', () => {
    const run = cli('audit', 'verfy');
    expect(run.status).toBe(2);
    expect(run.stderr.trim()).toBe("hms-sys: unexpected argument 'verfy' for 'audit'; did you mean `audit verify`?");
  });

  it('suggests nothing for a word far from every command, and lists them', () => {
    const run = cli('frobnicate');
    expect(run.status).toBe(2);
    expect(run.stderr).not.toContain('did you mean');
    expect(run.stderr).toContain('services list');
  });

  it('finds the nearest candidate only within about a third of its letters', () => {
    expect(nearest('srvices', ['services', 'rules'])).toBe('services');
    expect(nearest('xyz', ['services', 'rules'])).toBeNull();
  });
});

describe('option values', () => {
  it('says a flag given no value is missing its value, and exits 2', () => {
    const run = cli('budgets', 'set', 'eligibility-api', '--monthly-usd');
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--monthly-usd is missing its value');
  });

  it('says so too when the next word is another option', () => {
    expect(() => parse(command('services create'), ['--name', '--cluster', 'sandbox'])).toThrow('--name is missing its value');
  });

  it.each(['-5', '-0.5', '-.5', '-1e3'])('reads the negative number %s as the value, for validation to judge', (value) => {
    expect(parse(command('budgets set'), ['svc', '--monthly-usd', value]).values['monthly-usd']).toBe(value);
    expect(parse(command('budgets set'), ['svc', '-o', 'json', '--monthly-usd', value]).values.output).toBe('json');
  });

  it('still refuses a word starting with a dash that is not a number as an unknown option, naming the nearest', () => {
    expect(() => parse(command('rules create'), ['--treshold', '5'])).toThrow('unknown option --treshold (did you mean --threshold?)');
  });

  it('collects a repeated --secret', () => {
    expect(parse(command('services create'), ['--secret', SECRET, '--secret', SECRET]).values.secret).toEqual([SECRET, SECRET]);
  });
});

describe('dev --help', () => {
  it("lists dev's own options and the data folder, not the API flags that do not apply", () => {
    const text = helpText(command('dev'));
    for (const option of ['--port', '--postgres', '--data-dir']) expect(text).toContain(option);
    for (const option of ['--url', '--token', '--output']) expect(text).not.toContain(option);
    expect(() => parse(command('dev'), ['--token', 'abc'])).toThrow(UsageError);
  });

  it('keeps the global options for commands that call the API', () => {
    for (const option of ['--url', '--token', '--output', '--data-dir']) expect(helpText(command('services list'))).toContain(option);
  });
});

describe('services create --secret and services update', () => {
  const service = {
    name: 'eligibility-api',
    cluster: 'sandbox',
    namespace: 'benefits',
    deployment: 'eligibility-api',
    tags: { agency: 'ED', program: 'FSA', fiscalYear: 'FY2026' },
    secrets: [SECRET],
  };
  const create = {
    name: 'eligibility-api',
    cluster: 'sandbox',
    namespace: 'benefits',
    deployment: 'eligibility-api',
    agency: 'ED',
    program: 'FSA',
    'fiscal-year': 'FY2026',
  };

  it('sends the secrets a service reads on create', async () => {
    const { ctx, calls } = context({ ...create, secret: [SECRET] }, [], service);
    await command('services create').run(ctx);
    expect(calls[0]).toMatchObject({ method: 'POST', path: '/services', body: { secrets: [SECRET] } });
  });

  it('refuses a --secret that is not a secret ARN before calling the API', async () => {
    const { ctx, calls } = context({ ...create, secret: ['app/db'] }, [], service);
    await expect(command('services create').run(ctx)).rejects.toThrow('--secret must be a Secrets Manager secret ARN');
    expect(calls).toHaveLength(0);
  });

  it('sends a merge patch of only what was given', async () => {
    const { ctx, calls } = context({ secret: [SECRET], 'fiscal-year': 'FY2027' }, ['eligibility-api'], service);
    await command('services update').run(ctx);
    expect(calls[0]).toEqual({ method: 'PATCH', path: '/services/eligibility-api', body: { secrets: [SECRET], tags: { fiscalYear: 'FY2027' } } });
  });

  it('removes the secrets with --no-secrets, as null', async () => {
    const { ctx, calls } = context({ 'no-secrets': true }, ['eligibility-api'], service);
    await command('services update').run(ctx);
    expect(calls[0]!.body).toEqual({ secrets: null });
  });

  it('refuses an update that changes nothing', async () => {
    const { ctx } = context({}, ['eligibility-api'], service);
    await expect(command('services update').run(ctx)).rejects.toThrow('nothing to change');
  });
});

describe('output', () => {
  it('rounds money to cents and pod-hour prices to six significant digits, leaving other numbers alone', () => {
    expect(roundMoney({ podHourUSD: 0.20192500000000002, estimatedCostUSD: 71.84780000000001, requestedPods: 990, limits: [{ spentUSD: 1.005 }] })).toEqual({
      podHourUSD: 0.201925,
      estimatedCostUSD: 71.85,
      requestedPods: 990,
      limits: [{ spentUSD: 1 }],
    });
  });

  it('prints other numbers in a table without float noise', () => {
    print({ estimatedReadySeconds: 0.12000000000000001, replicas: 990 }, 'table', ['estimatedReadySeconds', 'replicas']);
    expect(printed[1]).toBe('0.12                   990');
  });

  it('prints money in a table as dollars and cents', () => {
    print({ service: 'fema-portal', monthlyUSD: 10000, spentUSD: 0.20192500000000002 }, 'table', ['service', 'monthlyUSD', 'spentUSD']);
    expect(printed[1]).toBe('fema-portal  10,000.00   0.20');
  });

  it('prints a dry run as a table saying nothing changed, when the output is a table', () => {
    printResult({ dryRun: true, wouldCreate: { name: 'eligibility-api', cluster: 'sandbox' }, alarms: [{ name: 'hms-sys-AR-101-scale-out' }] }, 'table', [
      'name',
      'cluster',
    ]);
    expect(printed).toEqual([
      'dry run, nothing changed: it would create this',
      'name             cluster',
      'eligibility-api  sandbox',
      'alarms: hms-sys-AR-101-scale-out',
    ]);
  });

  it('prints a dry run as JSON when the output is json', () => {
    printResult({ dryRun: true, wouldDelete: { name: 'eligibility-api' } }, 'json', ['name']);
    expect(JSON.parse(printed.join('\n'))).toEqual({ dryRun: true, wouldDelete: { name: 'eligibility-api' } });
  });

  it.each([
    ['services delete', ['eligibility-api'], { deleted: 'eligibility-api' }, 'deleted eligibility-api'],
    ['rules delete', ['AR-101'], { deleted: 'AR-101', alarmsDeleted: ['hms-sys-AR-101-scale-out'] }, 'deleted AR-101'],
    ['budgets delete', ['eligibility-api'], { deleted: 'eligibility-api' }, 'deleted eligibility-api'],
  ])('%s follows --output: a line in a table, JSON in json', async (name, positionals, answer, line) => {
    await command(name).run(context({}, positionals, answer).ctx);
    expect(printed[0]).toBe(line);
    printed = [];
    await command(name).run(context({}, positionals, answer, 'json').ctx);
    expect(JSON.parse(printed.join('\n'))).toEqual(answer);
  });

  it('prints a burst dry run as its plan in a table', async () => {
    const plan = {
      dryRun: true,
      burstId: null,
      service: 'fema-portal',
      state: 'planned',
      requestedPods: 990,
      estimatedCostUSD: 71.84780000000001,
      schedule: [],
    };
    const { ctx } = context({ service: 'fema-portal', from: '10', to: '1000', 'max-cost-per-hour': '200', 'hold-minutes': '20', 'dry-run': true }, [], plan);
    await command('burst create').run(ctx);
    expect(printed[0]).toBe('dry run, nothing changed: it would start this burst');
    expect(printed[2]).toContain('71.85');
    expect(printed.join('\n')).not.toContain('71.8478');
  });
});

describe('cluster get', () => {
  it.each(['foo', 'services'])('refuses the unknown kind %s with exit 2, naming the kinds it reads', (kind) => {
    const run = cli('cluster', 'get', kind, '--namespace', 'benefits');
    expect(run.status).toBe(2);
    expect(run.stderr.trim()).toBe(`hms-sys: unknown kind '${kind}': cluster get reads deployments or pods`);
  });

  it('asks for a kind when none is given', () => {
    const run = cli('cluster', 'get', '--namespace', 'benefits');
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('a kind is required: cluster get reads deployments or pods');
  });
});

describe('editDistance', () => {
  it.each([
    ['', '', 0],
    ['lst', 'list', 1],
    ['list', 'lsit', 1],
    ['kitten', 'sitting', 3],
    ['services', '', 8],
    ['audit verfy', 'audit verify', 1],
  ])('%s → %s takes %i edits', (a, b, edits) => {
    expect(editDistance(a, b)).toBe(edits);
    expect(editDistance(b, a)).toBe(edits);
  });
});

describe('audit, page by page', () => {
  it("prints the next page's command with the same filters, since a cursor continues only its own query", async () => {
    const { ctx, calls } = context({ service: 'receipt-svc', limit: '3' }, [], { records: [], nextCursor: 'abc' });
    await command('audit').run(ctx);
    expect(calls[0]!.path).toBe('/audit?service=receipt-svc&limit=3');
    expect(printed.at(-1)).toBe('\nmore: hms-sys audit --service receipt-svc --limit 3 --cursor abc');
  });
});
