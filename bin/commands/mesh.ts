import { readFileSync } from 'node:fs';
import { stringify } from 'yaml';
import type { ApplyResult } from '#use-cases/mesh/apply-result.ts';
import { type Command, type CommandContext, number, UsageError } from '../command.ts';
import { print } from '../output.ts';
import { DEFAULT_WAIT_SECONDS, isPodsStep, waitForPods, waitsForPods, withPodsStep } from './mesh-wait.ts';

/** The file's text (`-`: standard input, as kubectl apply -f - reads it); a path that cannot be read is a usage error naming it. */
function readManifest(path: string): string {
  try {
    return readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** YAML unless the file is named .json: the API reads both, the header only says which. */
const contentTypeOf = (path: string) => (path.toLowerCase().endsWith('.json') ? 'application/json' : 'application/yaml');

/** The answer as the seeds print it: a ✓ or ✗ line per step that happened, then the service's URL; a dry run adds each object and its diff. */
export function applyLines(result: ApplyResult): string[] {
  const lines: string[] = [];
  if (result.dryRun) lines.push(`dry run, nothing changed: ${result.kind} ${result.name} in namespace ${result.namespace} would be applied as`);
  for (const change of result.objects) {
    if (!result.dryRun) continue;
    const { kind, name, namespace } = change.ref;
    lines.push('---', `# ${kind} ${namespace}/${name}: would be ${change.action}`);
    for (const line of change.diff) lines.push(`#   ${line}`);
    if (change.object) lines.push(stringify(change.object).trimEnd());
  }
  if (result.dryRun && result.objects.length > 0) lines.push('---');
  for (const step of result.steps) lines.push(stepLine(step));
  if (result.serviceUrl && !result.dryRun) lines.push(`Service URL: ${result.serviceUrl}`);
  return lines;
}

/** --timeout SECONDS, a number of seconds from 0 (read once) up; 120 when not given. */
function timeoutOf(ctx: CommandContext): number {
  const seconds = number(ctx, 'timeout') ?? DEFAULT_WAIT_SECONDS;
  if (seconds < 0 || !Number.isFinite(seconds)) throw new UsageError('--timeout must be a number of seconds, 0 or more');
  if (ctx.values['no-wait'] && ctx.values.timeout !== undefined) throw new UsageError('give --timeout or --no-wait, not both');
  return seconds;
}

/**
 * POST /manifests with the file, printed in the seeds' shape (or as JSON). The objects were applied
 * once the API answers; for a service with an image the CLI then waits, as `kubectl rollout status`
 * does, until the Deployment's updated pods are Ready, and prints that in place of the server's
 * pods step. Pods not ready within --timeout are an error (exit 1) naming what the rollout waits for.
 */
async function applyFile(ctx: CommandContext, file: string): Promise<void> {
  const text = readManifest(file);
  const timeoutSeconds = timeoutOf(ctx);
  const params = new URLSearchParams();
  if (ctx.values['dry-run']) params.set('dryRun', 'true');
  if (typeof ctx.values.namespace === 'string') params.set('namespace', ctx.values.namespace);
  const query = params.size > 0 ? `?${params}` : '';
  const api = ctx.api();
  const result = (await api.call('POST', `/manifests${query}`, text, contentTypeOf(file))) as ApplyResult;
  if (ctx.values['no-wait'] || !waitsForPods(result)) {
    if (ctx.output === 'json') print(result, 'json');
    else for (const line of applyLines(result)) console.log(line);
    return;
  }
  // The steps before the pods one are printed at once; the pods line once it is true (or time is up).
  const at = result.steps.findIndex((s) => isPodsStep(s.text));
  const before = at < 0 ? result.steps.length : at;
  if (ctx.output !== 'json') for (const step of result.steps.slice(0, before)) console.log(stepLine(step));
  const outcome = await waitForPods(api, result.name, {
    timeoutSeconds,
    onWaiting: (rollout) =>
      console.error(
        `waiting up to ${timeoutSeconds} s for ${result.name}'s pods${rollout?.waitingFor ? ` (${rollout.waitingFor})` : ''}; --no-wait not to wait`,
      ),
  });
  const final = withPodsStep(result, outcome);
  if (ctx.output === 'json') print(final, 'json');
  else for (const line of applyLines({ ...final, steps: final.steps.slice(before) })) console.log(line);
  if (outcome.problem) throw new Error(outcome.problem);
}

/** The files `apply` was given: one argument, or one or more -f (never both, and standard input once). */
function applyFiles(ctx: CommandContext): string[] {
  const flag = ctx.values.file;
  const named = typeof flag === 'string' ? [flag] : Array.isArray(flag) ? flag : [];
  const [given, ...extra] = ctx.positionals;
  if (extra.length > 0) throw new UsageError(`give one FILE argument, or -f FILE for each file (${ctx.positionals.join(' ')})`);
  if (named.length > 0 && given) throw new UsageError(`give the file once: either ${given} or -f ${named.join(' -f ')}`);
  if (named.filter((f) => f === '-').length > 1) throw new UsageError('-f - (standard input) may be given once');
  const files = given ? [given] : named;
  if (files.length === 0) throw new UsageError('a file is required: hms-sys apply -f FILE, or hms-sys apply FILE');
  return files;
}

const stepLine = (step: { ok: boolean; text: string }) => `${step.ok ? '✓' : '✗'} ${step.text}`;

const namespaceHelp = "the namespace of a file that names none (default: the deployment's, default in the sandbox); a file naming another is refused";
const dryRunHelp = 'show every rendered object as YAML and its diff against the cluster; change nothing';
const waitOptions = { timeout: { type: 'string' }, 'no-wait': { type: 'boolean' } } as const;
const waitHelp = {
  timeout: `seconds to wait for the service's updated pods to be Ready, as kubectl rollout status does (default ${DEFAULT_WAIT_SECONDS}); not ready by then exits 1`,
  'no-wait': "print the server's reading of the pods and return without waiting",
};
const registryColumns = ['name', 'namespace', 'version', 'port', 'meshUrl', 'mtls', 'cluster'];

export const meshCommands: Command[] = [
  {
    name: 'deploy',
    summary: 'deploy a service from its manifest (chapter 12’s receipt.hms.yml): rendered to Kubernetes and Istio objects, applied, registered',
    usage: 'deploy FILE [--namespace NS] [--dry-run] [--timeout SECONDS | --no-wait]',
    options: { namespace: { type: 'string' }, 'dry-run': { type: 'boolean' }, ...waitOptions },
    describe: { namespace: namespaceHelp, 'dry-run': dryRunHelp, ...waitHelp },
    run: async (ctx) => {
      const file = ctx.positionals[0];
      if (!file) throw new UsageError('a manifest file such as receipt.hms.yml is required');
      await applyFile(ctx, file);
    },
  },
  {
    name: 'apply',
    summary: 'apply a mesh manifest or TrafficPolicy (any accepted format), live, with no restart',
    usage: 'apply FILE | -f FILE [-f FILE …] [--namespace NS] [--dry-run] [--timeout SECONDS | --no-wait]',
    options: { file: { type: 'string', short: 'f', multiple: true }, namespace: { type: 'string' }, 'dry-run': { type: 'boolean' }, ...waitOptions },
    describe: {
      file: 'the file, as kubectl apply -f takes it (or give it as the argument); - reads standard input; several -f apply in order, stopping at the first refused',
      namespace: namespaceHelp,
      'dry-run': dryRunHelp,
      ...waitHelp,
    },
    run: async (ctx) => {
      const files = applyFiles(ctx);
      // In order, as kubectl apply -f A -f B does; a refused file (the API's 4xx) stops the rest.
      for (const file of files) await applyFile(ctx, file);
    },
  },
  {
    name: 'discover',
    summary: 'the mesh URL of a registered service, and its Ready endpoints',
    usage: 'discover NAME [--from SERVICE]',
    options: { from: { type: 'string' } },
    describe: { from: 'the calling service: a service in another namespace is found only where a policy allows that caller' },
    run: async (ctx) => {
      const name = ctx.positionals[0];
      if (!name) throw new UsageError('a service name such as notification-svc is required');
      const from = typeof ctx.values.from === 'string' ? `?from=${encodeURIComponent(ctx.values.from)}` : '';
      const entry = (await ctx.api().call('GET', `/registry/${encodeURIComponent(name)}${from}`)) as {
        meshUrl: string;
        clusterDns: string;
        endpoints: { address: string; port: number; pod?: string }[];
      };
      if (ctx.output === 'json') return print(entry, 'json');
      console.log(entry.meshUrl);
      console.log(`cluster DNS: ${entry.clusterDns}`);
      console.log(
        `ready endpoints: ${entry.endpoints.length === 0 ? 'none' : entry.endpoints.map((e) => `${e.address}:${e.port}${e.pod ? ` (${e.pod})` : ''}`).join(', ')}`,
      );
    },
  },
  {
    name: 'registry',
    summary: 'every service in the mesh registry, with its mesh URL and mTLS mode',
    usage: 'registry',
    options: {},
    run: async (ctx) => {
      const { services } = (await ctx.api().call('GET', '/registry')) as { services: { serviceVersion?: string }[] };
      if (ctx.output === 'json') return print(services, 'json');
      // The table says version, as the manifests write it; the JSON keeps the API's serviceVersion.
      print(
        services.map((s) => ({ ...s, version: s.serviceVersion })),
        ctx.output,
        registryColumns,
      );
    },
  },
  {
    name: 'policy delete',
    summary: 'remove a TrafficPolicy: its destination is re-rendered and applied without it',
    usage: 'policy delete NAME [--dry-run]',
    options: { 'dry-run': { type: 'boolean' } },
    describe: { 'dry-run': 'show the objects that would change, with their diff; change nothing' },
    run: async (ctx) => {
      const name = ctx.positionals[0];
      if (!name) throw new UsageError('a policy name such as fraud-scan-policy is required');
      const path = `/policies/${encodeURIComponent(name)}${ctx.values['dry-run'] ? '?dryRun=true' : ''}`;
      const answer = (await ctx.api().call('DELETE', path)) as { dryRun: boolean; steps: { ok: boolean; text: string }[]; objects: ApplyResult['objects'] };
      if (ctx.output === 'json') return print(answer, 'json');
      for (const change of answer.objects) {
        if (change.action === 'unchanged') continue;
        const { kind, name: object, namespace } = change.ref;
        console.log(`# ${kind} ${namespace}/${object}: ${answer.dryRun ? 'would be ' : ''}${change.action}`);
        for (const line of change.diff) console.log(`#   ${line}`);
      }
      for (const step of answer.steps) console.log(stepLine(step));
    },
  },
];
