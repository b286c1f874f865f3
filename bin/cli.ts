import { apiClient } from './client.ts';
import { type Command, type CommandContext, helpText, parse, UsageError } from './command.ts';
import { commands } from './commands/all.ts';
import { quietSdkNodeVersionWarning } from './sdk-node-warning.ts';
import { defaultDataDir, runningSession } from './session.ts';
import { nearest, npmTookOption } from './suggest.ts';

function overview(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'hms-sys: control plane for agency workloads on Amazon EKS',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "Run `hms-sys <command> --help` for a command's options.",
  ].join('\n');
}

/** The longest command name that the arguments start with: "rules create" before "rules". */
function findCommand(argv: string[]): { command: Command; rest: string[] } | null {
  for (const words of [3, 2, 1]) {
    const command = commands.find((c) => c.name === argv.slice(0, words).join(' '));
    if (command) return { command, rest: argv.slice(words) };
  }
  return null;
}

/** The command nearest to the words typed ("servces lst" → "services list"), longest names first, or null when none is close. */
function nearestCommand(typed: string, except?: string): string | null {
  const words = typed.split(' ');
  for (let n = Math.min(words.length, 3); n >= 1; n -= 1) {
    const sameLength = commands.map((c) => c.name).filter((name) => name.split(' ').length === n);
    const near = nearest(words.slice(0, n).join(' '), sameLength, except);
    if (near) return near;
  }
  return nearest(words[0]!, [...new Set(commands.map((c) => c.name.split(' ')[0]!))], except);
}

/** The words before the first option: the command as typed. */
const leadingWords = (argv: string[]) =>
  argv.slice(0, argv.findIndex((a) => a.startsWith('-')) === -1 ? argv.length : argv.findIndex((a) => a.startsWith('-')));

/** How many arguments a command takes, from its usage: the words before the first option, e.g. NAME in "services get NAME". */
function argumentCount(command: Command): number {
  const after = command.usage.split(/\s+/).slice(command.name.split(' ').length);
  const firstOption = after.findIndex((word) => word.startsWith('-') || word.startsWith('['));
  return firstOption === -1 ? after.length : firstOption;
}

async function main(argv: string[]): Promise<number> {
  quietSdkNodeVersionWarning();
  const found = findCommand(argv);
  const leading = leadingWords(argv);
  const group = commands.filter((c) => leading.length > 0 && c.name.startsWith(`${leading.join(' ')} `));
  if (!found && group.length > 0 && (argv.length === leading.length || argv[leading.length] === '--help' || argv[leading.length] === '-h')) {
    console.log(group.map((c) => `hms-sys ${c.usage}\n    ${c.summary}`).join('\n'));
    return 0;
  }
  if (!found) {
    const asksForHelp = argv.length === 0 || ['--help', '-h', 'help'].includes(argv[0]!);
    if (asksForHelp) {
      console.log(overview());
      return 0;
    }
    const typed = leading.slice(0, 3).join(' ');
    const near = nearestCommand(typed);
    console.error(`hms-sys: unknown command '${typed}'${near ? `; did you mean \`${near}\`?` : '\n'}`);
    console.error(near ? `Run \`hms-sys ${near} --help\` for its options, or \`hms-sys --help\` for every command.` : overview());
    return 2;
  }
  const { command, rest } = found;
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(helpText(command));
    return 0;
  }
  const { values, positionals } = parse(command, rest);
  const extra = positionals[argumentCount(command)];
  if (extra !== undefined) {
    const npmHint = npmTookOption(Object.keys(command.options), extra);
    const near = nearestCommand(`${command.name} ${extra}`, command.name);
    const hint = npmHint ?? (near ? `did you mean \`${near}\`?` : `see hms-sys ${command.name} --help`);
    throw new UsageError(`unexpected argument '${extra}' for '${command.name}'; ${hint}`);
  }
  const output = values.output ?? 'table';
  if (output !== 'json' && output !== 'table') throw new UsageError('--output must be json or table');
  const dataDir = typeof values['data-dir'] === 'string' ? values['data-dir'] : defaultDataDir();
  const ctx: CommandContext = {
    values: values as CommandContext['values'],
    positionals,
    output,
    dataDir,
    api: () => {
      const givenUrl = (values.url as string | undefined) ?? process.env.HMS_URL;
      const givenToken = (values.token as string | undefined) ?? process.env.HMS_TOKEN;
      // A sandbox.json whose process has exited says so, rather than a connection error.
      const session = givenUrl && givenToken ? null : runningSession(dataDir);
      const url = givenUrl ?? session?.url ?? 'http://127.0.0.1:8787';
      const token = givenToken ?? session?.tokens.admin;
      if (!token) throw new UsageError('no token: pass --token, set HMS_TOKEN, or start the sandbox with npm start');
      return apiClient(url, token);
    },
  };
  await command.run(ctx);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(`hms-sys: ${err.message}`);
    process.exit(err instanceof UsageError || err.name === 'TypeError' ? 2 : 1);
  },
);
