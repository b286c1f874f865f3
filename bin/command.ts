import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { ApiClient } from './client.ts';
import type { OutputFormat } from './output.ts';

export type Options = NonNullable<ParseArgsConfig['options']>;

export interface CommandContext {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
  output: OutputFormat;
  dataDir: string;
  /** The API client, built from --url/--token, HMS_URL/HMS_TOKEN or the running sandbox. */
  api(): ApiClient;
}

export interface Command {
  /** e.g. "rules create". */
  name: string;
  summary: string;
  usage: string;
  options: Options;
  /** One line per option for --help. */
  describe?: Record<string, string>;
  run(ctx: CommandContext): Promise<void>;
}

export const globalOptions: Options = {
  url: { type: 'string' },
  token: { type: 'string' },
  output: { type: 'string', short: 'o' },
  'data-dir': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

export function parse(command: Command, argv: string[]) {
  try {
    return parseArgs({ args: argv, options: { ...globalOptions, ...command.options }, allowPositionals: true, strict: true });
  } catch (err) {
    const option = /option '([^']+)'/i.exec((err as Error).message)?.[1];
    const problem = option ? `unknown option ${option}` : (err as Error).message;
    throw new UsageError(`${problem} for '${command.name}'; see hms-sys ${command.name} --help`);
  }
}

export function helpText(command: Command): string {
  const flags = Object.entries(command.options).map(([name, o]) => `--${name}${o.type === 'string' ? ' <value>' : ''}`);
  const width = Math.max(0, ...flags.map((f) => f.length));
  const lines = Object.keys(command.options).map((name, i) => `  ${flags[i]!.padEnd(width)}  ${command.describe?.[name] ?? ''}`.trimEnd());
  return [
    `hms-sys ${command.name}: ${command.summary}`, '', `Usage: hms-sys ${command.usage}`, '',
    ...(lines.length ? ['Options:', ...lines, ''] : []),
    'Global options:', '  --url <url>        API base URL (default: HMS_URL, else the running sandbox)',
    '  --token <jwt>      bearer token (default: HMS_TOKEN, else the sandbox\'s admin token)',
    '  --output json|table  (default: table)', '  --data-dir <dir>   sandbox data folder (default: HMS_DATA_DIR or .hms-sys)',
  ].join('\n');
}

/** A required string option, with an error that names it. */
export function need(ctx: CommandContext, name: string): string {
  const value = ctx.values[name];
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} is required`);
  return value;
}

export function number(ctx: CommandContext, name: string): number | undefined {
  const value = ctx.values[name];
  if (value === undefined) return undefined;
  const n = Number(value);
  if (typeof value !== 'string' || value.trim() === '' || Number.isNaN(n)) throw new UsageError(`--${name} must be a number`);
  return n;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
