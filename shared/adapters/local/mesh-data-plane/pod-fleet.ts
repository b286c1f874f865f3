/**
 * The simulated pods' processes: every Ready pod behind a meshed Service gets a real HTTP server
 * on loopback, so the data plane carries real traffic. Pod IPs (10.x) are not routable on this
 * machine, so the fleet maps each pod IP to its server's port (resolve()).
 * A pod answers JSON naming itself; an operator can slow it (latency), make a share of its answers
 * 500 (errorRate, spread evenly: 0.5 fails every second request), or fail it (its listener closes,
 * so connections are refused as a crashed container's are) and recover it.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { UpstreamEndpoint } from './mesh-snapshot.ts';

export interface PodBehaviour {
  latencyMs: number;
  errorRate: number;
  failed: boolean;
}

export interface PodView extends PodBehaviour {
  pod: string;
  namespace: string;
  service: string;
  address: string;
  port: number;
  requests: number;
}

interface PodProcess {
  view: PodView;
  server: http.Server;
  sockets: Set<Socket>;
  errorBudget: number;
}

export interface PodTarget {
  pod: string;
  namespace: string;
  service: string;
  address: string;
}

export class PodFleet {
  private readonly pods = new Map<string, PodProcess>();

  /** Starts a server for each new pod and stops the ones no longer Ready. */
  async sync(targets: PodTarget[]): Promise<void> {
    const wanted = new Map(targets.map((t) => [t.address, t]));
    for (const [address, process] of this.pods) {
      if (wanted.get(address)?.pod === process.view.pod) continue;
      this.pods.delete(address);
      await stop(process);
    }
    for (const target of wanted.values()) if (!this.pods.has(target.address)) await this.start(target);
  }

  resolve(endpoint: UpstreamEndpoint): { host: string; port: number } | undefined {
    const process = this.pods.get(endpoint.address);
    return process ? { host: '127.0.0.1', port: process.view.port } : undefined;
  }

  list(): PodView[] {
    return [...this.pods.values()].map((p) => ({ ...p.view }));
  }

  /** Changes a pod's behaviour; undefined when no Ready pod has that name. */
  async set(pod: string, change: { latencyMs?: number; errorRate?: number; fail?: boolean; recover?: boolean }): Promise<PodView | undefined> {
    const process = [...this.pods.values()].find((p) => p.view.pod === pod);
    if (!process) return undefined;
    if (change.latencyMs !== undefined) process.view.latencyMs = change.latencyMs;
    if (change.errorRate !== undefined) {
      process.view.errorRate = change.errorRate;
      process.errorBudget = 0;
    }
    if (change.recover) {
      process.view.latencyMs = change.latencyMs ?? 0;
      process.view.errorRate = change.errorRate ?? 0;
      process.errorBudget = 0;
      if (process.view.failed) {
        process.view.failed = false;
        await listen(process.server, process.view.port).catch(async () => {
          process.view.port = await listen(process.server, 0);
        });
      }
    } else if (change.fail && !process.view.failed) {
      process.view.failed = true;
      await stop(process);
    }
    return { ...process.view };
  }

  async close(): Promise<void> {
    const all = [...this.pods.values()];
    this.pods.clear();
    await Promise.all(all.map(stop));
  }

  private async start(target: PodTarget): Promise<void> {
    const sockets = new Set<Socket>();
    const process: PodProcess = {
      view: { ...target, port: 0, latencyMs: 0, errorRate: 0, failed: false, requests: 0 },
      server: http.createServer((req, res) => this.answer(process, req, res)),
      sockets,
      errorBudget: 0,
    };
    process.server.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    this.pods.set(target.address, process);
    process.view.port = await listen(process.server, 0);
  }

  private answer(process: PodProcess, req: http.IncomingMessage, res: http.ServerResponse): void {
    req.resume();
    process.view.requests += 1;
    const { view } = process;
    process.errorBudget += view.errorRate;
    const failing = process.errorBudget >= 1 - 1e-9;
    if (failing) process.errorBudget -= 1;
    const status = failing ? 500 : 200;
    const body = JSON.stringify({
      pod: view.pod,
      service: view.service,
      namespace: view.namespace,
      method: req.method,
      path: req.url,
      requestId: req.headers['x-request-id'] ?? null,
      // Which try of the caller's proxy this is (1 for the first), as Istio's sidecars number them.
      attempt: Number(req.headers['x-envoy-attempt-count'] ?? 1),
      ...(failing ? { error: 'injected error (hms-sys sandbox pod --error-rate)' } : {}),
    });
    const send = () => {
      if (res.destroyed) return;
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    };
    if (view.latencyMs > 0) setTimeout(send, view.latencyMs);
    else send();
  }
}

function listen(server: http.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function stop(process: PodProcess): Promise<void> {
  for (const socket of process.sockets) socket.destroy();
  return new Promise((resolve) => (process.server.listening ? process.server.close(() => resolve()) : resolve()));
}
