import { type Command, need, number, UsageError } from '../command.ts';
import { print } from '../output.ts';
import { runningSession } from '../session.ts';
import { offlineVerifyHelp, offlineVerifyOptions, verifyOffline } from './audit-offline.ts';

/** The kinds `cluster get` reads, by the names kubectl accepts for them. */
const KINDS: Record<string, 'deployments' | 'pods'> = {
  deployments: 'deployments',
  deployment: 'deployments',
  deploy: 'deployments',
  pods: 'pods',
  pod: 'pods',
  po: 'pods',
};

function kindOf(typed: string | undefined): 'deployments' | 'pods' {
  const kind = typed === undefined ? undefined : KINDS[typed.toLowerCase()];
  if (!kind) throw new UsageError(`${typed === undefined ? 'a kind is required' : `unknown kind '${typed}'`}: cluster get reads deployments or pods`);
  return kind;
}

/** GET /audit/verify's answer, as far as the CLI reads it; `digests` is null where no archive is configured. */
interface OnlineVerifyReport {
  records: number;
  complete: boolean;
  intact: boolean;
  cursor: string | null;
  digests?: { checked: number; newest: { key: string; lastSeq: number; digestTime: string } | null; firstBreak: unknown } | null;
}

const auditColumns = ['time', 'actor', 'action', 'target', 'outcome', 'reasons'];
/** A lookup's query is in `before`; what it read is its target. */
const lookupColumns = ['time', 'actor', 'action', 'target', 'before', 'outcome'];

export const observeCommands: Command[] = [
  {
    name: 'metrics put',
    summary: 'push a metric datapoint into the sandbox (CloudWatch PutMetricData)',
    usage: 'metrics put --service S --metric M --value V [--storage-resolution 1|60]',
    options: { service: { type: 'string' }, metric: { type: 'string' }, value: { type: 'string' }, 'storage-resolution': { type: 'string' } },
    describe: {
      service: 'the registered service',
      metric: 'the metric name, e.g. http_rps',
      value: "the datapoint's value",
      'storage-resolution': "PutMetricData's StorageResolution: 60 (default) or 1, which a service with metrics.highResolution publishes",
    },
    run: async (ctx) => {
      const resolution = number(ctx, 'storage-resolution');
      const body = {
        service: need(ctx, 'service'),
        metric: need(ctx, 'metric'),
        value: number(ctx, 'value') ?? need(ctx, 'value'),
        ...(resolution === undefined ? {} : { storageResolution: resolution }),
      };
      print(await ctx.api().call('POST', '/sandbox/metrics', body), ctx.output, ['namespace', 'metric', 'value', 'accepted']);
    },
  },
  {
    name: 'audit',
    summary: 'list audit records (changes, or with --lookups the recorded reads), newest first',
    usage: 'audit [--lookups] [--service S] [--since ISO] [--until ISO] [--limit N] [--cursor C]',
    options: {
      lookups: { type: 'boolean' },
      service: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      limit: { type: 'string' },
      cursor: { type: 'string' },
    },
    describe: {
      lookups: 'the lookups (every authenticated read: who, what, when, the query, the outcome) instead of the changes',
      service: "only this service's records",
      since: 'from this ISO 8601 time',
      until: 'up to this ISO 8601 time',
      limit: 'records per page, 1 to 200 (default 50)',
      cursor: 'the next page, as the previous page printed it',
    },
    run: async (ctx) => {
      const q = new URLSearchParams();
      if (ctx.values.lookups === true) q.set('kind', 'lookup');
      for (const key of ['service', 'since', 'until', 'limit', 'cursor']) if (typeof ctx.values[key] === 'string') q.set(key, String(ctx.values[key]));
      const page = (await ctx.api().call('GET', `/audit${q.size ? `?${q}` : ''}`)) as { records: unknown[]; nextCursor: string | null };
      if (ctx.output === 'json') return print(page, 'json');
      print(page.records, 'table', q.has('kind') ? lookupColumns : auditColumns);
      // A cursor continues the query it came from, so the next page's command repeats its filters.
      const filters = `${q.has('kind') ? ' --lookups' : ''}${['service', 'since', 'until', 'limit']
        .filter((key) => q.has(key))
        .map((key) => ` --${key} ${q.get(key)}`)
        .join('')}`;
      if (page.nextCursor) console.log(`\nmore: hms-sys audit${filters} --cursor ${page.nextCursor}`);
    },
  },
  {
    name: 'audit verify',
    summary: 'check the hash chain of an audit stream, page by page, to its head',
    usage: 'audit verify [--service S | --lookups [--day YYYY-MM-DD]] [--from checkpoint|genesis] | --offline --archive DIR --public-key FILE',
    options: { service: { type: 'string' }, lookups: { type: 'boolean' }, day: { type: 'string' }, from: { type: 'string' }, ...offlineVerifyOptions },
    describe: {
      service: 'the service whose chain to check; without it, the system chain (records with no service)',
      lookups: "a day's lookup stream (lookup#YYYY-MM-DD) instead of a change stream",
      day: 'with --lookups: the UTC day (default today)',
      from: 'checkpoint (default): on from the last verified record; genesis: the whole chain again',
      ...offlineVerifyHelp,
    },
    run: async (ctx) => {
      if (ctx.values.offline === true) return verifyOffline(ctx);
      const offlineOnly = (['archive', 'public-key'] as const).find((name) => ctx.values[name] !== undefined);
      if (offlineOnly) throw new UsageError(`--${offlineOnly} checks an export: add --offline (audit verify --offline --archive DIR --public-key FILE)`);
      const q = new URLSearchParams();
      if (ctx.values.lookups === true) q.set('kind', 'lookup');
      if (typeof ctx.values.day === 'string') {
        if (ctx.values.lookups !== true) throw new UsageError('--day names a lookup stream: add --lookups');
        q.set('day', ctx.values.day);
      }
      if (typeof ctx.values.service === 'string') q.set('service', ctx.values.service);
      if (typeof ctx.values.from === 'string') q.set('from', ctx.values.from);
      // Each call verifies what fits in its time budget; call again (a genesis run with its cursor) until complete.
      let checked = 0;
      let digestsChecked = 0;
      let report: OnlineVerifyReport;
      do {
        report = (await ctx.api().call('GET', `/audit/verify?${q}`)) as OnlineVerifyReport;
        checked += report.records;
        digestsChecked += report.digests?.checked ?? 0;
        if (report.cursor) q.set('cursor', report.cursor);
      } while (report.intact && !report.complete && report.records > 0);
      if (ctx.output === 'json' || !report.digests) {
        return print({ ...report, records: checked }, ctx.output, ['stream', 'from', 'records', 'verifiedThrough', 'intact', 'firstBreak']);
      }
      // The signed digests' part, when the answer carries it: how many were checked, the newest that holds, its break.
      const { newest, firstBreak: digestBreak } = report.digests;
      const row = {
        ...report,
        records: checked,
        digests: digestsChecked,
        newestDigest: newest ? `through seq ${newest.lastSeq}, ${newest.digestTime}` : 'none yet',
        digestBreak,
      };
      print(row, 'table', ['stream', 'from', 'records', 'verifiedThrough', 'intact', 'firstBreak', 'digests', 'newestDigest', 'digestBreak']);
    },
  },
];

/** Reads of the sandbox's cluster; listed after every audit command, which stay together. */
export const clusterCommands: Command[] = [
  {
    name: 'cluster get',
    summary: "read deployments or pods from the sandbox's Kubernetes simulator",
    usage: 'cluster get deployments|pods --namespace NS [--deployment D]',
    options: { namespace: { type: 'string' }, deployment: { type: 'string' } },
    describe: { namespace: 'the namespace to read', deployment: "with pods: only this Deployment's pods" },
    globals: ['output', 'data-dir'],
    run: async (ctx) => {
      const kind = kindOf(ctx.positionals[0]);
      const session = runningSession(ctx.dataDir);
      if (!session) throw new Error('no sandbox is running here: start one with npm start');
      const ns = encodeURIComponent(need(ctx, 'namespace'));
      const selector = ctx.values.deployment ? `?labelSelector=${encodeURIComponent(`app=${ctx.values.deployment}`)}` : '';
      const path = kind === 'pods' ? `/api/v1/namespaces/${ns}/pods${selector}` : `/apis/apps/v1/namespaces/${ns}/deployments`;
      const { sendKubeRequest } = await import('#adapters/aws/kubernetes-request.ts');
      const res = await sendKubeRequest({ url: session.k8sUrl, caData: session.k8sCaData }, session.k8sToken, { method: 'GET', path }, 10_000);
      if (res.status !== 200) throw new Error(`the simulator answered ${res.status} for ${path}`);
      const list = res.body as { items: Array<{ metadata: { name: string }; spec?: { replicas?: number }; status?: Record<string, unknown> }> };
      const rows = list.items.map((i) =>
        kind === 'pods'
          ? { name: i.metadata.name, phase: i.status?.phase, ready: JSON.stringify(i.status?.conditions ?? []).includes('"status":"True"') }
          : { name: i.metadata.name, replicas: i.spec?.replicas, ready: i.status?.readyReplicas ?? 0 },
      );
      print(ctx.output === 'json' ? list : rows, ctx.output, kind === 'pods' ? ['name', 'phase', 'ready'] : ['name', 'replicas', 'ready']);
    },
  },
];
