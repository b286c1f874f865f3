/**
 * The second bin, `hms`, as the seeds type it: `hms sys apply FILE` is `hms-sys apply FILE` and
 * `hms mesh status` is `hms-sys mesh status`. Anything else is a usage error that says so.
 */
export const HMS_USAGE = [
  'hms: the seeds’ spelling of hms-sys',
  '',
  'Usage:',
  '  hms sys <command> [options]    runs hms-sys <command>, e.g. hms sys apply manifests/notification.yaml',
  '  hms mesh <command> [options]   runs hms-sys mesh <command>, e.g. hms mesh status',
  '',
  'Run `hms-sys --help` for every command.',
].join('\n');

export type HmsInvocation = { kind: 'run'; argv: string[] } | { kind: 'help' } | { kind: 'usage-error'; message: string };

/** The hms-sys arguments an `hms` command line stands for. */
export function hmsToHmsSys(argv: readonly string[]): HmsInvocation {
  const [first, ...rest] = argv;
  if (first === '--help' || first === '-h' || first === 'help') return { kind: 'help' };
  // Bare `hms` names no command either: usage on stderr and exit 2, as a shell tool does.
  if (first === undefined) return { kind: 'usage-error', message: 'hms: a command is needed, e.g. hms sys apply manifests/notification.yaml' };
  // `hms sys` or `hms mesh` alone names no command: a usage error, not hms-sys's help with success.
  if ((first === 'sys' || first === 'mesh') && rest.length === 0) {
    return {
      kind: 'usage-error',
      message: `hms: \`hms ${first}\` needs a command, e.g. ${first === 'sys' ? 'hms sys apply manifests/notification.yaml' : 'hms mesh status'}`,
    };
  }
  if (first === 'sys') return { kind: 'run', argv: rest };
  if (first === 'mesh') return { kind: 'run', argv: ['mesh', ...rest] };
  return { kind: 'usage-error', message: `hms: unknown command '${first}'; hms runs hms-sys as \`hms sys <command>\` or \`hms mesh <command>\`` };
}
