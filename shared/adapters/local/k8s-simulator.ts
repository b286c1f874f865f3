import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { parseDocument } from 'yaml';
import type { Clock } from '#ports/clock.ts';
import { APPLY_PATCH } from './k8s-sim/apply-options.ts';
import { ensureMeshRootCa, type MeshRootCaOptions } from './k8s-sim/mesh-root-ca.ts';
import { readSnapshot, SnapshotWriter } from './k8s-sim/persistence.ts';
import { renderStatus } from './k8s-sim/render.ts';
import { SimStatusError } from './k8s-sim/request-parsing.ts';
import { handleRequest } from './k8s-sim/routes.ts';
import {
  type CapacityOptions,
  type DeploymentSeed,
  type HpaSeed,
  type SimDeployment,
  type SimHpa,
  type SimNode,
  type SimPod,
  SimState,
} from './k8s-sim/state.ts';
import { isWatch, WatchHub } from './k8s-sim/watch.ts';

export type { CapacityOptions, DeploymentSeed, HpaSeed, SimNode } from './k8s-sim/state.ts';

export interface K8sSimulatorOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** The bearer token every request must carry. */
  token: string;
  /** A pod is Ready this long after it is scheduled on a node; 2000 by default. */
  podReadyDelayMs?: number;
  /** How often the HPA controller syncs, on the simulator's clock. */
  hpaSyncMs?: number;
  /** Nodes, their pod slots and provisioning; SimStateOptions.capacity documents the defaults. */
  capacity?: Partial<CapacityOptions>;
  /** The simulator's clock (pod readiness, node provisioning, HPA syncs, timestamps); the system clock by default. */
  clock?: Clock;
  /** A bare virtual clock in ms instead, for benchmarks and unit tests. */
  now?: () => number;
  /** Persist the cluster in this file (k8s-sim/persistence.ts) and resume from it when it exists; in memory only without. */
  stateFile?: string;
  /** How long after a change the state file is written; 200 ms by default. A kill -9 loses at most this window. */
  persistDebounceMs?: number;
  /** The mesh root CA made at the cluster's first start (k8s-sim/mesh-root-ca.ts): notAfter for tests of its expiry. */
  meshRootCa?: MeshRootCaOptions;
  /** Serve HTTPS with this certificate and key (PEM), as a real API server does; plain HTTP without. */
  tls?: { certPem: string; keyPem: string };
}

/** Answers the next `times` matching requests with `status`, or never answers them (`timeout`). */
export interface FaultSpec {
  method?: string;
  pathIncludes: string;
  status?: number;
  timeout?: boolean;
  times: number;
  /** Sent as Retry-After with a status fault. */
  retryAfterSeconds?: number;
}

/** One request the simulator saw; status 0 means it was left hanging by a timeout fault. */
export interface SimRequestEvent {
  method: string;
  path: string;
  status: number;
  at: number;
}

/** Read access to the simulated objects, for tests; call advance() first to see them as of now. */
export interface K8sSimulatorState {
  readonly resourceVersion: string;
  readonly capacity: Readonly<CapacityOptions>;
  advance(): void;
  deployment(namespace: string, name: string): Readonly<SimDeployment> | undefined;
  hpa(namespace: string, name: string): Readonly<SimHpa> | undefined;
  podsOf(namespace: string, deployment: string): readonly Readonly<SimPod>[];
  isReady(pod: SimPod): boolean;
  readyCount(deployment: SimDeployment): number;
  nodes(): readonly Readonly<SimNode>[];
  isNodeReady(node: SimNode): boolean;
  /** Pods no node holds yet. */
  pendingCount(): number;
  /** Pods of the Deployment's current pod template (status.updatedReplicas). */
  updatedCount(deployment: SimDeployment): number;
  /** Pod template changes made to a Deployment (each starts a rolling update); 0 for an unknown one. */
  restarts(namespace: string, name: string): number;
  /** Rolling updates of a Deployment that finished: every pod of the new template and Ready. */
  completedRollouts(namespace: string, name: string): number;
  /** spec.template.metadata.annotations, or undefined for an unknown Deployment. */
  templateAnnotations(namespace: string, name: string): Readonly<Record<string, string>> | undefined;
}

export interface K8sSimulator {
  url: string;
  close(): Promise<void>;
  seedDeployment(seed: DeploymentSeed): void;
  seedHpa(seed: HpaSeed): void;
  injectFault(fault: FaultSpec): void;
  clearFaults(): void;
  onRequest(listener: (event: SimRequestEvent) => void): () => void;
  state: K8sSimulatorState;
  /** True when the cluster was resumed from stateFile rather than started empty. */
  resumed: boolean;
}

const MAX_BODY_BYTES = 1_048_576;

/** A loopback Kubernetes API server with Deployments (rolling updates included), the scale subresource, HPAs, pods, nodes and PriorityClasses. */
export async function startK8sSimulator(options: K8sSimulatorOptions): Promise<K8sSimulator> {
  const state = new SimState({
    podReadyDelayMs: options.podReadyDelayMs ?? 2_000,
    capacity: options.capacity,
    clock: options.clock,
    now: options.now,
    hpaSyncMs: options.hpaSyncMs,
  });
  const saved = options.stateFile === undefined ? undefined : readSnapshot(options.stateFile);
  if (saved) state.resume(saved);
  // A request that failed with an internal error may have left the cluster half-changed: that state is never saved.
  let failedMidRequest: string | undefined;
  const take = () => {
    if (failedMidRequest !== undefined) throw new Error(`not saved: a request failed mid-way (${failedMidRequest})`);
    return state.snapshot();
  };
  const writer = options.stateFile === undefined ? undefined : new SnapshotWriter(options.stateFile, take, options.persistDebounceMs ?? 200);
  if (writer) state.onChange(() => writer.changed());
  await ensureMeshRootCa(state, options.meshRootCa);
  const faults: (FaultSpec & { remaining: number })[] = [];
  const listeners = new Set<(event: SimRequestEvent) => void>();

  const emit = (event: SimRequestEvent) => {
    for (const listener of listeners) {
      try {
        listener(event);
      } catch {
        // A failing listener must not break the server.
      }
    }
  };

  const watches = new WatchHub(state);
  const onRequest: http.RequestListener = async (req, res) => {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const send = (status: number, body: unknown, headers: http.OutgoingHttpHeaders = {}) => {
      res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
      emit({ method, path, status, at: performance.now() });
    };
    const sendStatus = (status: number, reason: string, message: string, headers?: http.OutgoingHttpHeaders) =>
      send(status, renderStatus(status, reason, message), headers);

    const raw = await readBody(req).catch(() => undefined);
    if (raw === undefined) return sendStatus(413, 'RequestEntityTooLarge', 'the request body is too large');

    const fault = takeFault(faults, method, path);
    if (fault?.timeout) return emit({ method, path, status: 0, at: performance.now() });
    if (fault) {
      const status = fault.status ?? 500;
      const headers = fault.retryAfterSeconds === undefined ? undefined : { 'Retry-After': String(fault.retryAfterSeconds) };
      return sendStatus(status, reasonFor(status), `injected fault: ${status}`, headers);
    }

    if (req.headers.authorization !== `Bearer ${options.token}`) {
      return sendStatus(401, 'Unauthorized', 'Unauthorized');
    }

    let body: unknown;
    try {
      body = parseBody(raw, req.headers['content-type']);
    } catch (err) {
      return sendStatus(400, 'BadRequest', err instanceof Error ? err.message : 'the request body cannot be read');
    }

    try {
      // Only the path and query are read; a request target that URL cannot parse (`//x:y`) is the client's error.
      const url = URL.canParse(path, 'http://simulator') ? new URL(path, 'http://simulator') : undefined;
      if (!url) return sendStatus(400, 'BadRequest', 'the request path is not a valid URL path');
      const request = {
        method,
        pathname: url.pathname,
        query: url.searchParams,
        contentType: req.headers['content-type'],
        accept: req.headers.accept,
        userAgent: req.headers['user-agent'],
        body,
      };
      if (isWatch(url.searchParams)) {
        watches.open(request, res);
        return emit({ method, path, status: 200, at: performance.now() });
      }
      const result = handleRequest(state, request);
      const warnings = result.warnings?.map((w) => `299 - ${JSON.stringify(w)}`);
      send(result.status, result.body, warnings?.length ? { Warning: warnings } : {});
    } catch (err) {
      if (err instanceof SimStatusError) send(err.code, renderStatus(err.code, err.reason, err.message, err.details));
      else {
        failedMidRequest = err instanceof Error ? err.message : String(err);
        sendStatus(500, 'InternalError', failedMidRequest);
      }
    }
  };
  const server = options.tls ? https.createServer({ cert: options.tls.certPem, key: options.tls.keyPem }, onRequest) : http.createServer(onRequest);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    state,
    resumed: saved !== undefined,
    async close() {
      watches.closeAll();
      listeners.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      // Every write the API acknowledged is on disk once close() resolves.
      if (failedMidRequest === undefined) writer?.flush();
    },
    seedDeployment(seed) {
      if (state.deployment(seed.namespace, seed.name)) throw new Error(`deployment ${seed.namespace}/${seed.name} already exists`);
      state.addDeployment({ ...seed, labels: { app: seed.name, ...seed.labels } }, { podsReady: true });
    },
    seedHpa(seed) {
      if (state.hpa(seed.namespace, seed.name)) throw new Error(`HPA ${seed.namespace}/${seed.name} already exists`);
      state.addHpa(seed);
    },
    injectFault(fault) {
      faults.push({ ...fault, remaining: fault.times });
    },
    clearFaults() {
      faults.length = 0;
    },
    onRequest(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** The first fault with uses left that matches the request, used up by one. */
function takeFault(faults: (FaultSpec & { remaining: number })[], method: string, path: string) {
  const fault = faults.find((f) => f.remaining > 0 && (f.method === undefined || f.method.toUpperCase() === method) && path.includes(f.pathIncludes));
  if (fault) fault.remaining -= 1;
  return fault;
}

/** JSON, or YAML for an apply patch (application/apply-patch+yaml), with no aliases and no duplicate keys. */
function parseBody(raw: string, contentType: string | undefined): unknown {
  if (raw === '') return undefined;
  if (contentType?.split(';')[0]?.trim() !== APPLY_PATCH) {
    try {
      return JSON.parse(raw);
    } catch {
      throw new Error('the request body is not valid JSON');
    }
  }
  const document = parseDocument(raw, { uniqueKeys: true });
  if (document.errors.length > 0) throw new Error(`error decoding YAML: ${document.errors[0]!.message}`);
  return document.toJS({ maxAliasCount: 0 });
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) reject(new Error('body too large'));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function reasonFor(status: number): string {
  const reasons: Record<number, string> = {
    400: 'BadRequest',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'NotFound',
    409: 'Conflict',
    422: 'Invalid',
    429: 'TooManyRequests',
    503: 'ServiceUnavailable',
    504: 'Timeout',
  };
  return reasons[status] ?? (status >= 500 ? 'InternalError' : 'BadRequest');
}
