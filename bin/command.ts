import { type ParseArgsConfig, parseArgs } from 'node:util';
import type { ApiClient } from './client.ts';
import type { OutputFormat } from './output.ts';
import { nearest } from './suggest.ts';

export type Options = NonNullable<ParseArgsConfig['options']>;

export interface CommandContext {
  /** Option values; a `multiple` option is a list. */
  values: Record<string, string | boolean | string[] | undefined>;
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
  /** The global options that apply to it (default: all); the rest are refused and left out of --help. */
  globals?: readonly GlobalOption[];
  run(ctx: CommandContext): Promise<void>;
}

export const globalOptions = {
  url: { type: 'string' },
  token: { type: 'string' },
  output: { type: 'string', short: 'o' },
  'data-dir': { type: 'string' },
} as const satisfies Options;
export type GlobalOption = keyof typeof globalOptions;

const globalHelp: Record<GlobalOption, string> = {
  url: '  --url <url>        API base URL (default: HMS_URL, else the running sandbox)',
  token: "  --token <jwt>      bearer token (default: HMS_TOKEN, else the sandbox's admin token)",
  output: '  --output json|table  (default: table)',
  'data-dir': '  --data-dir <dir>   sandbox data folder (default: HMS_DATA_DIR or .hms-sys)',
};

const globalsOf = (command: Command) => command.globals ?? (Object.keys(globalOptions) as GlobalOption[]);

/** A number such as -5 or -0.5: after an option that takes a value, it is that value, not an option. */
const NEGATIVE_NUMBER = /^-(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

export function parse(command: Command, argv: string[]) {
  const options: Options = {
    ...Object.fromEntries(globalsOf(command).map((name) => [name, globalOptions[name]])),
    ...command.options,
    help: { type: 'boolean', short: 'h' },
  };
  try {
    return parseArgs({ args: joinNegativeValues(argv, options), options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(`${problemOf(err as Error & { code?: string }, options)} for '${command.name}'; see hms-sys ${command.name} --help`);
  }
}

/** `--monthly-usd -5` as `--monthly-usd=-5`, so validation judges the number instead of parseArgs taking it for an option. */
function joinNegativeValues(argv: string[], options: Options): string[] {
  const takesValue = (arg: string) => {
    const name = arg.startsWith('--') ? arg.slice(2) : Object.entries(options).find(([, o]) => o.short !== undefined && `-${o.short}` === arg)?.[0];
    return name !== undefined && options[name]?.type === 'string';
  };
  const joined: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    const next = argv[i + 1];
    if (arg === '--') return [...joined, ...argv.slice(i)];
    if (next !== undefined && NEGATIVE_NUMBER.test(next) && takesValue(arg)) {
      joined.push(`${arg}=${next}`);
      i += 1;
    } else joined.push(arg);
  }
  return joined;
}

/** parseArgs' complaint in the CLI's words: a missing value, or an unknown option with the nearest known one. */
function problemOf(err: Error & { code?: string }, options: Options): string {
  const option = /option '(-[^' ,]*)/i.exec(err.message)?.[1] ?? '';
  const long = option.startsWith('--') ? option : `--${Object.entries(options).find(([, o]) => `-${o.short}` === option)?.[0] ?? option}`;
  if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    if (/does not take an argument/.test(err.message)) return `${long} takes no value`;
    return `${long} is missing its value (to give one that starts with "-", write ${long}=-…)`;
  }
  if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const near = nearest(option.replace(/^--?/, '').split('=')[0]!, Object.keys(options));
    return `unknown option ${option.split('=')[0]}${near ? ` (did you mean --${near}?)` : ''}`;
  }
  return err.message;
}

export function helpText(command: Command): string {
  const flags = Object.entries(command.options).map(([name, o]) => `--${name}${o.type === 'string' ? ' <value>' : ''}`);
  const width = Math.max(0, ...flags.map((f) => f.length));
  const lines = Object.keys(command.options).map((name, i) => `  ${flags[i]!.padEnd(width)}  ${command.describe?.[name] ?? ''}`.trimEnd());
  const globals = globalsOf(command);
  return [
    `hms-sys ${command.name}: ${command.summary}`,
    '',
    `Usage: hms-sys ${command.usage}`,
    '',
    ...(lines.length ? ['Options:', ...lines, ''] : []),
    ...(globals.length ? ['Global options:', ...globals.map((name) => globalHelp[name])] : []),
  ]
    .join('\n')
    .trimEnd();
}

/** Every value of a repeatable option, e.g. --secret A --secret B. */
export function list(ctx: CommandContext, name: string): string[] {
  const value = ctx.values[name];
  return value === undefined ? [] : Array.isArray(value) ? value : [String(value)];
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
