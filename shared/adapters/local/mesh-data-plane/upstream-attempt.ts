/**
 * One try of a request against one host, and whether Envoy's retry policy would try again after it.
 * https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/router_filter#x-envoy-retry-on
 * - 5xx: any 5xx answer, or no answer at all (connect failure, reset, per-try timeout);
 * - gateway-error: 502, 503 or 504, and the same local failures (they surface as 503 and 504);
 * - reset: no answer (disconnect, reset, per-try timeout), a refused connection included;
 * - connect-failure: the connection could not be made;
 * - retriable-4xx: 409; retriable-status-codes: the route's codes;
 * - refused-stream, unavailable, cancelled and the other gRPC conditions never arise on HTTP/1.1.
 * Envoy's local replies are copied in status, body and response flag (UF, UC, UT).
 */
import http from 'node:http';
import type { RetryPolicy } from './routing.ts';

export type AttemptResult =
  | { kind: 'response'; status: number; headers: http.IncomingHttpHeaders; body: Buffer }
  | { kind: 'connect-failure' | 'reset' | 'per-try-timeout' | 'aborted' };

export interface LocalReply {
  status: number;
  body: string;
  flag: string;
  headers?: Record<string, string>;
}

export const NO_HEALTHY_UPSTREAM: LocalReply = { status: 503, body: 'no healthy upstream', flag: 'UH' };
export const OVERFLOW: LocalReply = {
  status: 503,
  body: 'upstream connect error or disconnect/reset before headers. reset reason: overflow',
  flag: 'UO',
  headers: { 'x-envoy-overloaded': 'true' },
};
export const UPSTREAM_TIMEOUT: LocalReply = { status: 504, body: 'upstream request timeout', flag: 'UT' };

/** The local reply Envoy sends for an attempt that got no answer. */
export function localReplyOf(result: AttemptResult): LocalReply | undefined {
  switch (result.kind) {
    case 'connect-failure':
      return { status: 503, body: 'upstream connect error or disconnect/reset before headers. reset reason: connection failure', flag: 'UF' };
    case 'reset':
      return { status: 503, body: 'upstream connect error or disconnect/reset before headers. reset reason: connection termination', flag: 'UC' };
    case 'per-try-timeout':
    case 'aborted':
      return UPSTREAM_TIMEOUT;
    default:
      return undefined;
  }
}

export function isRetriable(result: AttemptResult, policy: RetryPolicy): boolean {
  const on = new Set(policy.retryOn);
  if (result.kind === 'aborted') return false;
  if (result.kind === 'response') {
    const s = result.status;
    return (
      (on.has('5xx') && s >= 500) ||
      (on.has('gateway-error') && (s === 502 || s === 503 || s === 504)) ||
      (on.has('retriable-4xx') && s === 409) ||
      (on.has('retriable-status-codes') && policy.retriableStatusCodes.includes(s))
    );
  }
  if (on.has('5xx') || on.has('gateway-error') || on.has('reset')) return true;
  return result.kind === 'connect-failure' && on.has('connect-failure');
}

/** Envoy's back-off before retry n (1-based): fully jittered, base 25 ms, capped at 250 ms. */
export function backoffMs(retry: number, random: number): number {
  const ceiling = Math.min(250, 25 * (2 ** retry - 1));
  return Math.floor(random * ceiling);
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

export function forwardableHeaders(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) if (!HOP_BY_HOP.has(name) && value !== undefined) out[name] = value;
  return out;
}

export interface AttemptRequest {
  target: { host: string; port: number };
  method: string;
  path: string;
  headers: http.OutgoingHttpHeaders;
  body: Buffer;
  /** This try's deadline in ms, if any. */
  timeoutMs?: number;
  /** The whole request's deadline passed. */
  signal?: AbortSignal;
  agent: http.Agent;
}

export function sendAttempt(request: AttemptRequest): Promise<AttemptResult> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: AttemptResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', onAbort);
      resolve(result);
    };
    let connected = false;
    const req = http.request(
      {
        host: request.target.host,
        port: request.target.port,
        method: request.method,
        path: request.path,
        headers: { ...request.headers, 'content-length': request.body.length },
        agent: request.agent,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => finish({ kind: 'response', status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', () => finish({ kind: 'reset' }));
      },
    );
    req.on('socket', (socket) => {
      if (!socket.connecting) connected = true;
      else socket.once('connect', () => (connected = true));
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      const refused = !connected || err.code === 'ECONNREFUSED' || err.code === 'EHOSTUNREACH' || err.code === 'ENETUNREACH';
      finish({ kind: refused ? 'connect-failure' : 'reset' });
    });
    const giveUp = (kind: 'per-try-timeout' | 'aborted') => {
      finish({ kind });
      req.destroy();
    };
    const timer = request.timeoutMs === undefined ? undefined : setTimeout(() => giveUp('per-try-timeout'), request.timeoutMs);
    const onAbort = () => giveUp('aborted');
    if (request.signal?.aborted) return onAbort();
    request.signal?.addEventListener('abort', onAbort, { once: true });
    req.end(request.body);
  });
}
