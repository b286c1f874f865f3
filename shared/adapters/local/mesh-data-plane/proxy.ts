/**
 * The local data plane's HTTP proxy: a stand-in for the caller's Envoy sidecar. A caller sends
 * `GET http://receipt-svc.mesh/receipt` to it as to an HTTP forward proxy (curl --proxy), naming
 * its workload as the proxy user (curl -x http://return-intake@127.0.0.1:15001), which is how
 * VirtualService sourceLabels see it. Routing, retries, timeouts, outlier ejection and circuit
 * breakers follow the objects in the current snapshot; every answer is counted in Istio's metrics.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { isAllowed } from './authorization.ts';
import type { MeshSnapshot, UpstreamEndpoint } from './mesh-snapshot.ts';
import { qualifyHost } from './mesh-snapshot.ts';
import { readBody, requestId, requestTarget, serviceNameOf, sleep, sourceWorkload } from './proxy-request.ts';
import { ISTIO_DEFAULT_RETRY, pickWeighted, type RouteAction, type RouteRequest, selectRoute } from './routing.ts';
import type { MeshTelemetry } from './telemetry.ts';
import {
  type AttemptResult,
  backoffMs,
  forwardableHeaders,
  isRetriable,
  type LocalReply,
  localReplyOf,
  NO_HEALTHY_UPSTREAM,
  OVERFLOW,
  sendAttempt,
  UPSTREAM_TIMEOUT,
} from './upstream-attempt.ts';
import { hostKey, UpstreamCluster } from './upstream-cluster.ts';

export interface ProxyOptions {
  snapshot(): MeshSnapshot;
  telemetry: MeshTelemetry;
  /** Where an endpoint's address is served on this machine (pod IPs are not routable here); undefined = nothing listens. */
  resolve(endpoint: UpstreamEndpoint): { host: string; port: number } | undefined;
  /** The clock of ejection windows (the sandbox clock, so demos can fast-forward). */
  now(): number;
  /** In [0, 1): weights and retry back-off jitter. */
  random?: () => number;
}

const MAX_BODY = 1_048_576;
/** Envoy's RBAC filter's answer at the destination. */
const RBAC_DENIED: AttemptResult = { kind: 'response', status: 403, headers: { 'content-type': 'text/plain' }, body: Buffer.from('RBAC: access denied') };

type Caller = ReturnType<MeshSnapshot['sourceOf']>;

interface Answer {
  status: number;
  headers: http.OutgoingHttpHeaders;
  body: Buffer;
  flags: string[];
  service: string;
  namespace: string;
}

export class MeshProxy {
  private readonly clusters = new Map<string, UpstreamCluster>();
  private readonly agent = new http.Agent({ keepAlive: true });
  private readonly random: () => number;

  constructor(private readonly options: ProxyOptions) {
    this.random = options.random ?? Math.random;
  }

  /** The node:http request listener. */
  readonly listener: http.RequestListener = (req, res) => {
    void this.serve(req, res).catch((err) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`local data plane error: ${err instanceof Error ? err.message : String(err)}`);
    });
  };

  /** Ejected hosts per caller and cluster, for GET /sandbox/mesh/config. */
  ejections(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const [key, cluster] of this.clusters) {
      const ejected = cluster.ejected();
      if (ejected.length > 0) out[key] = ejected;
    }
    return out;
  }

  close(): void {
    this.agent.destroy();
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const started = performance.now();
    const body = await readBody(req, MAX_BODY);
    const snapshot = this.options.snapshot();
    const source = sourceWorkload(req.headers['proxy-authorization']);
    const caller: Caller = source ? snapshot.sourceOf(source) : { labels: {}, namespace: 'unknown', serviceAccount: 'default', known: false };
    const target = requestTarget(req);
    let answer: Answer;
    if (!target) answer = local({ status: 400, body: 'the request names no host: send it through the proxy with an absolute URL', flag: 'DPE' }, '-', '-');
    else if (body === undefined) answer = local({ status: 413, body: 'Payload Too Large', flag: '-' }, target.host, '-');
    else {
      const host = qualifyHost(target.host, caller.namespace === 'unknown' ? 'default' : caller.namespace);
      const request: RouteRequest = {
        path: target.path,
        method: req.method ?? 'GET',
        port: target.port,
        headers: req.headers,
        sourceLabels: caller.labels,
        sourceNamespace: caller.namespace,
      };
      const vs = snapshot.virtualServiceFor(host);
      const action: RouteAction | undefined = vs
        ? selectRoute(vs, request)
        : snapshot.knows(host)
          ? { kind: 'route', destinations: [{ host, weight: 100 }], retry: ISTIO_DEFAULT_RETRY, route: 'default' }
          : undefined;
      const named = serviceNameOf(host, vs?.metadata.namespace);
      if (!action) answer = local({ status: 404, body: '', flag: 'NR' }, named.service, named.namespace);
      else if (action.kind === 'direct') answer = local({ status: action.status, body: action.body, flag: '-' }, named.service, named.namespace);
      else answer = await this.route(action, request, { req, body, host, source: source ?? 'unknown', sourceNamespace: caller.namespace, caller }, named);
    }
    res.writeHead(answer.status, answer.headers);
    res.end(answer.body);
    this.options.telemetry.record(
      {
        reporter: 'source',
        source_workload: source ?? 'unknown',
        source_workload_namespace: caller.namespace,
        destination_service_name: answer.service,
        destination_service_namespace: answer.namespace,
        destination_workload_namespace: answer.namespace,
        response_code: String(answer.status),
        response_flags: answer.flags.length > 0 ? answer.flags.join(',') : '-',
      },
      performance.now() - started,
    );
  }

  /** The destination sidecar's AuthorizationPolicy check, for a caller whose workload is known (else it carries no identity to check). */
  private denied(call: { caller: Caller }, endpoint: UpstreamEndpoint, request: RouteRequest): boolean {
    if (!call.caller.known || endpoint.namespace === undefined) return false;
    const policies = this.options.snapshot().objects.authorizationPolicies;
    return !isAllowed(policies, { namespace: endpoint.namespace, labels: endpoint.labels, caller: call.caller, method: request.method, path: request.path });
  }

  /** The destination's own report of a try its pod answered (Istio's reporter="destination"). */
  private recordDestination(call: { source: string; sourceNamespace: string }, service: string, namespace: string, status: number, ms: number): void {
    this.options.telemetry.record(
      {
        reporter: 'destination',
        source_workload: call.source,
        source_workload_namespace: call.sourceNamespace,
        destination_service_name: service,
        destination_service_namespace: namespace,
        destination_workload_namespace: namespace,
        response_code: String(status),
        response_flags: '-',
      },
      ms,
    );
  }

  private async route(
    action: Extract<RouteAction, { kind: 'route' }>,
    request: RouteRequest,
    call: { req: http.IncomingMessage; body: Buffer; host: string; source: string; sourceNamespace: string; caller: Caller },
    named: { service: string; namespace: string },
  ): Promise<Answer> {
    // Envoy picks the weighted cluster once per request; its retries stay in that cluster.
    const destination = pickWeighted(action.destinations, this.random());
    const target = destination ? this.options.snapshot().cluster(destination.host, destination.port ?? request.port, destination.subset) : undefined;
    if (!target) return local({ status: 503, body: '', flag: 'NC' }, named.service, named.namespace);
    const clusterKey = `${call.source}|${target.key}`;
    let cluster = this.clusters.get(clusterKey);
    if (cluster) cluster.update(target);
    else {
      cluster = new UpstreamCluster(target, this.options.now);
      this.clusters.set(clusterKey, cluster);
    }
    const service = target.service;
    const namespace = target.namespace;

    const deadline = new AbortController();
    const timer = action.timeoutMs === undefined ? undefined : setTimeout(() => deadline.abort(), action.timeoutMs);
    const headers = { ...forwardableHeaders(call.req.headers), host: call.req.headers.host ?? call.host, 'x-request-id': requestId(call.req) };
    const tried = new Set<string>();
    const { retry } = action;
    let retriesDone = 0;
    try {
      for (;;) {
        const endpoint = cluster.pick(retry.ignorePreviousHosts ? tried : new Set());
        if (!endpoint) return local(NO_HEALTHY_UPSTREAM, service, namespace);
        const slot = await cluster.acquire(deadline.signal);
        if (slot === 'overflow') return local(OVERFLOW, service, namespace);
        if (slot === 'aborted') return local(UPSTREAM_TIMEOUT, service, namespace);
        const address = this.options.resolve(endpoint);
        const tryStarted = performance.now();
        let result: AttemptResult;
        try {
          result = this.denied(call, endpoint, request)
            ? RBAC_DENIED
            : address
              ? await sendAttempt({
                  target: address,
                  method: request.method,
                  path: request.path,
                  // Istio's sidecars number every try (include_request_attempt_count), the first included.
                  headers: { ...headers, 'x-envoy-attempt-count': String(retriesDone + 1) },
                  body: call.body,
                  ...(retry.perTryTimeoutMs === undefined ? {} : { timeoutMs: retry.perTryTimeoutMs }),
                  signal: deadline.signal,
                  agent: this.agent,
                })
              : { kind: 'connect-failure' };
        } finally {
          cluster.release();
        }
        tried.add(hostKey(endpoint));
        if (result.kind === 'response') this.recordDestination(call, service, namespace, result.status, performance.now() - tryStarted);
        if (result.kind !== 'aborted')
          cluster.report(endpoint, result.kind === 'response' ? { kind: 'response', status: result.status } : { kind: 'local-failure' });
        const again = isRetriable(result, retry);
        const exhausted = again && retriesDone >= retry.attempts;
        if (!again || exhausted || deadline.signal.aborted || !cluster.beginRetry()) {
          const flags = exhausted && retry.attempts > 0 ? ['URX'] : [];
          return finalAnswer(result, flags, service, namespace);
        }
        try {
          retriesDone += 1;
          await sleep(backoffMs(retriesDone, this.random()), deadline.signal);
        } finally {
          cluster.endRetry();
        }
        if (deadline.signal.aborted) return local(UPSTREAM_TIMEOUT, service, namespace);
      }
    } finally {
      clearTimeout(timer);
    }
  }
}

function finalAnswer(result: AttemptResult, flags: string[], service: string, namespace: string): Answer {
  if (result.kind === 'response') {
    const headers = forwardableHeaders(result.headers);
    return { status: result.status, headers, body: result.body, flags, service, namespace };
  }
  const reply = localReplyOf(result)!;
  const answer = local(reply, service, namespace);
  return { ...answer, flags: [...answer.flags, ...flags] };
}

function local(reply: LocalReply, service: string, namespace: string): Answer {
  const body = Buffer.from(reply.body);
  return {
    status: reply.status,
    headers: { 'content-type': 'text/plain', 'content-length': body.length, ...reply.headers },
    body,
    flags: reply.flag === '-' ? [] : [reply.flag],
    service,
    namespace,
  };
}
