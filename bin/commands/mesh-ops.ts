import { stringify } from 'yaml';
import { PAUSE_DOES_NOT_STOP, PAUSE_STOPS } from '#domain/mesh/pause-reach.ts';
import { type Command, type CommandContext, need, UsageError } from '../command.ts';
import { print } from '../output.ts';

const pauseColumns = ['service', 'namespace', 'until', 'by', 'reason'];
const serviceOf = (ctx: CommandContext, example: string) => {
  const service = ctx.positionals[0];
  if (!service) throw new UsageError(`a service name such as ${example} is required`);
  return service;
};

interface ObjectChangeView {
  ref: { kind: string; namespace: string; name: string };
  action: string;
  diff: string[];
  object?: unknown;
}

/** Each changed object (an unchanged one is left out): its action and diff, and on a dry run the object itself as YAML. */
function objectLines(objects: ObjectChangeView[], dryRun: boolean): string[] {
  const lines: string[] = [];
  for (const change of objects.filter((o) => o.action !== 'unchanged')) {
    const { kind, namespace, name } = change.ref;
    lines.push(`${dryRun ? '# ' : ''}${kind} ${namespace}/${name}: ${dryRun ? `would be ${change.action}` : change.action}`);
    for (const line of change.diff) lines.push(`${dryRun ? '#' : ''}   ${line}`);
    if (dryRun && change.object) lines.push(stringify(change.object).trimEnd(), '---');
  }
  return lines;
}

/** A pause's --minutes: a whole number from 1 to 10080, as the API takes durationMin. */
function minutesOf(ctx: CommandContext): number {
  const text = need(ctx, 'minutes');
  // Plain decimal digits only: Number() would also take " 30", 0x1e and 1e1.
  const minutes = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > 10_080) throw new UsageError('--minutes must be a whole number from 1 to 10080 (7 days)');
  return minutes;
}

export const meshOpsCommands: Command[] = [
  {
    name: 'pause',
    summary: 'pause a service in the mesh: its callers in the mesh get 503 Service Paused, with no restarts, until it is resumed or the minutes run out',
    usage: 'pause SERVICE --minutes N [--reason TEXT] [--dry-run]',
    options: { minutes: { type: 'string' }, reason: { type: 'string' }, 'dry-run': { type: 'boolean' } },
    describe: {
      minutes: 'how long, 1 to 10080 (7 days); an automatic resume follows',
      reason: 'why, for the audit record',
      'dry-run': 'show the objects that would change, as YAML; change nothing',
    },
    run: async (ctx) => {
      const service = serviceOf(ctx, 'fraud-scanner');
      const body = { service, durationMin: minutesOf(ctx), ...(typeof ctx.values.reason === 'string' ? { reason: ctx.values.reason } : {}) };
      const answer = (await ctx.api().call('POST', `/policies/pause${ctx.values['dry-run'] ? '?dryRun=true' : ''}`, body)) as {
        dryRun?: boolean;
        pause?: { until: string };
        wouldPause?: { until: string };
        objects: ObjectChangeView[];
        warnings?: string[];
      };
      if (ctx.output === 'json') return print(answer, 'json');
      if (answer.dryRun) {
        console.log(`dry run, nothing changed: ${service} would be paused until ${answer.wouldPause?.until}`);
        for (const line of objectLines(answer.objects, true)) console.log(line);
        return;
      }
      console.log(`✓ ${service} paused until ${answer.pause?.until}: ${PAUSE_STOPS}, no restarts`);
      console.log(`  ${PAUSE_DOES_NOT_STOP}`);
      for (const line of objectLines(answer.objects, false)) console.log(line);
      for (const warning of answer.warnings ?? []) console.log(`! ${warning}`);
    },
  },
  {
    name: 'resume',
    summary: 'resume a paused service now',
    usage: 'resume SERVICE [--reason TEXT] [--dry-run]',
    options: { reason: { type: 'string' }, 'dry-run': { type: 'boolean' } },
    describe: { reason: 'why, for the audit record', 'dry-run': 'show the objects that would change, as YAML; change nothing' },
    run: async (ctx) => {
      const service = serviceOf(ctx, 'fraud-scanner');
      const query = new URLSearchParams();
      if (ctx.values['dry-run']) query.set('dryRun', 'true');
      if (typeof ctx.values.reason === 'string') query.set('reason', ctx.values.reason);
      const path = `/policies/pause/${encodeURIComponent(service)}${query.size > 0 ? `?${query}` : ''}`;
      const answer = (await ctx.api().call('DELETE', path)) as { dryRun?: boolean; objects: ObjectChangeView[] };
      if (ctx.output === 'json') return print(answer, 'json');
      if (answer.dryRun) {
        console.log(`dry run, nothing changed: ${service} would be resumed`);
        for (const line of objectLines(answer.objects, true)) console.log(line);
        return;
      }
      console.log(`✓ ${service} resumed: calls reach its pods again`);
      for (const line of objectLines(answer.objects, false)) console.log(line);
    },
  },
  {
    name: 'pauses',
    summary: 'the paused services, soonest end first',
    usage: 'pauses',
    options: {},
    run: async (ctx) => {
      const { pauses } = (await ctx.api().call('GET', '/policies/pause')) as { pauses: unknown[] };
      print(pauses, ctx.output, pauseColumns);
    },
  },
  {
    name: 'mesh status',
    summary: "each mesh service's mTLS mode (PERMISSIVE flagged), pause and open breaker, and the mesh root CA's expiry",
    usage: 'mesh status',
    options: {},
    run: async (ctx) => {
      const status = (await ctx.api().call('GET', '/mesh/status')) as MeshStatusView;
      if (ctx.output === 'json') return print(status, 'json');
      for (const line of statusLines(status)) console.log(line);
    },
  },
];

interface MeshStatusView {
  services: Array<{
    name: string;
    namespace: string;
    mtls: string;
    flagged?: string;
    paused: { until: string; by: string; reason?: string } | null;
    breaker: { until: string; reasons: string[] } | null;
  }>;
  certificates: string;
  rootCa?: { lines?: string[] } & Record<string, unknown>;
}

export function statusLines(status: MeshStatusView): string[] {
  const lines = status.services.map((s) => {
    const notes = [
      s.flagged ? `⚠ ${s.flagged}` : '',
      s.paused ? `paused until ${s.paused.until} by ${s.paused.by}${s.paused.reason ? ` (${s.paused.reason})` : ''}` : '',
      s.breaker ? `breaker open until ${s.breaker.until}` : '',
    ].filter(Boolean);
    return `${s.name.padEnd(24)} ${s.namespace.padEnd(12)} mTLS ${s.mtls.padEnd(10)} ${notes.join('; ')}`.trimEnd();
  });
  if (lines.length === 0) lines.push('no services in the mesh');
  else lines.unshift(`${'service'.padEnd(24)} ${'namespace'.padEnd(12)} ${'mtls'.padEnd(15)} notes`);
  lines.push(`certificates: ${status.certificates}`);
  for (const line of status.rootCa?.lines ?? []) lines.push(`root CA: ${line}`);
  return lines;
}
