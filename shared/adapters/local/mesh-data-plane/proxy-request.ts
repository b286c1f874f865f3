/** What the proxy reads from a caller's request: its target, its workload, its body. */
import type http from 'node:http';

/** receipt-svc.mesh → receipt-svc; reviews.ns.svc.cluster.local → reviews in ns. */
export function serviceNameOf(host: string, fallbackNamespace?: string): { service: string; namespace: string } {
  const m = /^([^.]+)\.([^.]+)\.svc\.cluster\.local$/.exec(host);
  if (m) return { service: m[1]!, namespace: m[2]! };
  return { service: host.replace(/\.mesh$/, ''), namespace: fallbackNamespace ?? 'unknown' };
}

export function sourceWorkload(header: string | undefined): string | undefined {
  const m = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (!m) return undefined;
  const user = Buffer.from(m[1]!, 'base64').toString('utf8').split(':')[0];
  return user ? user : undefined;
}

/** The absolute-form target a forward proxy receives, or the Host header of an origin-form request. */
export function requestTarget(req: http.IncomingMessage): { host: string; port: number; path: string } | undefined {
  const raw = req.url ?? '/';
  const absolute = /^https?:\/\//i.test(raw);
  if (!absolute && !req.headers.host) return undefined;
  if (!URL.canParse(absolute ? raw : `http://${req.headers.host}${raw}`)) return undefined;
  const url = new URL(absolute ? raw : `http://${req.headers.host}${raw}`);
  return { host: url.hostname.toLowerCase(), port: url.port ? Number(url.port) : 80, path: `${url.pathname}${url.search}` };
}

let requestCounter = 0;
export function requestId(req: http.IncomingMessage): string {
  const given = req.headers['x-request-id'];
  if (typeof given === 'string' && given) return given;
  requestCounter += 1;
  return `${process.pid}-${Date.now().toString(36)}-${requestCounter}`;
}

export function readBody(req: http.IncomingMessage, maxBytes: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > maxBytes ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
