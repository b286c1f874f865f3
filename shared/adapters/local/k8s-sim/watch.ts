/**
 * Watches (`?watch=true`) of Deployments and of the kinds kept whole (generic-kinds.ts, EndpointSlices
 * included), what `kubectl rollout status`, informers and the local data plane use: a stream of
 * newline-separated WatchEvents ({type, object}) in one chunked response.
 * https://kubernetes.io/docs/reference/using-api/api-concepts/#efficient-detection-of-changes
 * The simulator keeps no event history, so a watch from a resourceVersion sends each matching
 * object that is newer than it as one MODIFIED event (an informer sees the same end state),
 * then every later change. Time moves only when the state is advanced, so while a watch is open
 * a ticker advances it and compares resourceVersions.
 */
import type { ServerResponse } from 'node:http';
import { apiVersionOf } from '#domain/mesh/kube-resources.ts';
import { GENERIC_KINDS } from './generic-kinds.ts';
import { objectsOf } from './generic-routes.ts';
import { metadataLabelsOf } from './objects.ts';
import { renderDeployment } from './render.ts';
import { field, type Json, metadataFilter, pathSegment, type SimRequest, SimStatusError } from './request-parsing.ts';
import type { SimState } from './state.ts';

/** One watchable object as of now: its key, resourceVersion and how to render it. */
interface Item {
  key: string;
  resourceVersion: string;
  render(): Json;
}

type Filter = ReturnType<typeof metadataFilter>;

interface Source {
  pattern: RegExp;
  kind: string;
  apiVersion: string;
  select(state: SimState, namespace: string | undefined, matches: Filter): Item[];
}

const deployments: Source = {
  pattern: /^\/apis\/apps\/v1(?:\/namespaces\/([^/]+))?\/deployments$/,
  kind: 'Deployment',
  apiVersion: 'apps/v1',
  select: (state, namespace, matches) =>
    (namespace === undefined ? state.allDeployments() : state.deploymentsIn(namespace))
      .filter((d) => matches({ ...d, labels: metadataLabelsOf(d) }))
      .map((d) => ({ key: `${d.namespace}/${d.name}`, resourceVersion: d.resourceVersion, render: () => renderDeployment(state, d) })),
};

const SOURCES: Source[] = [
  deployments,
  ...GENERIC_KINDS.map((kind): Source => {
    const r = kind.resource;
    const base = r.group ? `/apis/${r.group.replace(/[.]/g, '\\.')}/${r.version}` : `/api/${r.version}`;
    return {
      pattern: new RegExp(`^${base}(?:/namespaces/([^/]+))?/${r.plural}$`),
      kind: r.kind,
      apiVersion: apiVersionOf(r),
      select: (state, namespace, matches) =>
        objectsOf(kind, state, namespace)
          .filter((o) => matches(o.metadata as { name: string; namespace: string; labels?: Record<string, string> }))
          .map((o) => ({
            key: `${String(field(o, 'metadata', 'namespace'))}/${String(field(o, 'metadata', 'name'))}`,
            resourceVersion: String(field(o, 'metadata', 'resourceVersion')),
            render: () => o,
          })),
    };
  }),
];
/** The API server ends a watch after timeoutSeconds, or after a while of its own choosing. */
const DEFAULT_TIMEOUT_SECONDS = 1_800;

interface Watcher {
  res: ServerResponse;
  select(state: SimState): Item[];
  /** What the client was last sent, by namespace/name. */
  seen: Map<string, { resourceVersion: string; object: Json }>;
  timer: NodeJS.Timeout;
}

export function isWatch(query: URLSearchParams): boolean {
  const value = query.get('watch');
  return value === 'true' || value === '1';
}

export class WatchHub {
  private readonly watchers = new Set<Watcher>();
  private ticker: NodeJS.Timeout | undefined;

  constructor(
    private readonly state: SimState,
    private readonly tickMs = 100,
  ) {}

  /** Starts a watch on the response, or throws SimStatusError for a path or query it cannot watch. */
  open(req: SimRequest, res: ServerResponse): void {
    const source = SOURCES.find((s) => s.pattern.test(req.pathname));
    const match = source?.pattern.exec(req.pathname);
    if (!source || !match || req.method !== 'GET') throw new SimStatusError(405, 'MethodNotAllowed', 'the simulator does not watch this resource');
    const namespace = match[1] === undefined ? undefined : pathSegment(match[1]);
    const matches = metadataFilter(req.query);
    const timeoutSeconds = req.query.get('timeoutSeconds') === null ? DEFAULT_TIMEOUT_SECONDS : Number(req.query.get('timeoutSeconds'));
    if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 0) throw new SimStatusError(400, 'BadRequest', 'timeoutSeconds must be a non-negative integer');
    const from = req.query.get('resourceVersion') ?? '';
    if (from !== '' && !/^\d+$/.test(from)) throw new SimStatusError(400, 'BadRequest', `invalid resource version: ${from}`);
    const initialEvents = req.query.get('sendInitialEvents') === 'true';

    this.state.advance();
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache' });
    // Send the headers now: a client waits for them before it treats the watch as open (and before it can end it).
    res.flushHeaders();
    const watcher: Watcher = {
      res,
      select: (state) => source.select(state, namespace, matches),
      seen: new Map(),
      timer: setTimeout(() => this.close(watcher), timeoutSeconds * 1000),
    };
    watcher.timer.unref();
    // "0" or none: start with the current state as ADDED events (https://kubernetes.io/docs/reference/using-api/api-concepts/#semantics-for-watch).
    const startFromNow = from === '' || from === '0' || initialEvents;
    for (const item of watcher.select(this.state)) {
      const object = item.render();
      watcher.seen.set(item.key, { resourceVersion: item.resourceVersion, object });
      if (startFromNow) write(res, 'ADDED', object);
      else if (Number(item.resourceVersion) > Number(from)) write(res, 'MODIFIED', object);
    }
    if (initialEvents) {
      const metadata = { resourceVersion: this.state.resourceVersion, annotations: { 'k8s.io/initial-events-end': 'true' } };
      write(res, 'BOOKMARK', { kind: source.kind, apiVersion: source.apiVersion, metadata });
    }
    res.on('close', () => this.close(watcher));
    this.watchers.add(watcher);
    this.ticker ??= setInterval(() => this.tick(), this.tickMs);
    this.ticker.unref();
  }

  /** Ends every watch. */
  closeAll(): void {
    for (const watcher of [...this.watchers]) this.close(watcher);
  }

  private close(watcher: Watcher): void {
    if (!this.watchers.delete(watcher)) return;
    clearTimeout(watcher.timer);
    watcher.res.end();
    if (this.watchers.size === 0 && this.ticker) {
      clearInterval(this.ticker);
      this.ticker = undefined;
    }
  }

  /** Advances the cluster and sends each watcher what changed since its last events. */
  private tick(): void {
    this.state.advance();
    for (const watcher of this.watchers) {
      const current = new Map(watcher.select(this.state).map((item) => [item.key, item]));
      for (const [key, item] of current) {
        const last = watcher.seen.get(key);
        if (last?.resourceVersion === item.resourceVersion) continue;
        const object = item.render();
        watcher.seen.set(key, { resourceVersion: item.resourceVersion, object });
        write(watcher.res, last ? 'MODIFIED' : 'ADDED', object);
      }
      for (const [key, last] of watcher.seen) {
        if (current.has(key)) continue;
        watcher.seen.delete(key);
        write(watcher.res, 'DELETED', last.object);
      }
    }
  }
}

function write(res: ServerResponse, type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK', object: Json): void {
  res.write(`${JSON.stringify({ type, object })}\n`);
}
