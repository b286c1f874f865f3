import http from 'node:http';
import https from 'node:https';
import type { ClusterEndpoint } from './eks-endpoint.ts';

export interface KubeRequest {
  method: 'GET' | 'PATCH' | 'POST' | 'DELETE';
  /** Path below the API server's root, already URL-encoded. */
  path: string;
  body?: unknown;
  contentType?: string;
  /** The Accept header; application/json unless a call asks for another representation (a Table). */
  accept?: string;
}

export interface KubeResponse {
  status: number;
  /** Seconds from a Retry-After header, when the server sent one. */
  retryAfterSeconds?: number;
  /** The parsed JSON body, or the raw text when it is not JSON. */
  body: unknown;
}

/** No answer within the deadline, or the connection failed: worth another try. */
export class KubeTransportError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'KubeTransportError';
  }
}

/**
 * One HTTP exchange with the Kubernetes API server. https verifies the server against the
 * cluster's CA (EKS's certificateAuthority.data, or the sandbox CA); plain http is only for a
 * bare simulator in unit tests. The whole exchange is aborted after timeoutMs.
 */
export function sendKubeRequest(endpoint: ClusterEndpoint, token: string, request: KubeRequest, timeoutMs: number): Promise<KubeResponse> {
  const base = new URL(endpoint.url);
  const url = new URL(base.pathname.replace(/\/$/, '') + request.path, base);
  const payload = request.body === undefined ? undefined : JSON.stringify(request.body);
  const headers: http.OutgoingHttpHeaders = { Authorization: `Bearer ${token}`, Accept: request.accept ?? 'application/json' };
  if (payload !== undefined) {
    headers['Content-Type'] = request.contentType ?? 'application/json';
    headers['Content-Length'] = Buffer.byteLength(payload);
  }
  const options: https.RequestOptions = { method: request.method, headers };
  if (url.protocol === 'https:' && endpoint.caData) options.ca = Buffer.from(endpoint.caData, 'base64');
  const transport = url.protocol === 'https:' ? https : http;

  return new Promise((resolve, reject) => {
    const req = transport.request(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', fail);
      res.on('end', () => {
        clearTimeout(deadline);
        resolve({
          status: res.statusCode ?? 0,
          retryAfterSeconds: parseRetryAfter(res.headers['retry-after']),
          body: parseBody(Buffer.concat(chunks).toString('utf8')),
        });
      });
    });
    const deadline = setTimeout(() => req.destroy(new KubeTransportError(`${request.method} ${request.path} timed out after ${timeoutMs} ms`)), timeoutMs);
    function fail(err: Error) {
      clearTimeout(deadline);
      reject(err instanceof KubeTransportError ? err : new KubeTransportError(`${request.method} ${request.path} failed: ${err.message}`, { cause: err }));
    }
    req.on('error', fail);
    req.end(payload);
  });
}

function parseRetryAfter(header: string | undefined): number | undefined {
  if (header === undefined || !/^\d+$/.test(header.trim())) return undefined;
  return Number(header.trim());
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
