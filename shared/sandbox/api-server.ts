import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { JWTPayload } from 'jose';
import { errorBody } from '#domain/errors.ts';
import { gatewayScopes } from '#domain/lookup.ts';
import type { RouteTrigger, Scope } from '#domain/triggers.ts';
import { principalOf, requireScope, scopesOfClaims } from '#functions/http/auth.ts';
import { type ErrorAnswer, errorAnswer } from '#functions/http/error-table.ts';
import type { ApiEvent } from '#functions/http/http.ts';
import type { TokenCheck } from './dev-auth.ts';
import { type HttpFunctionLimits, THROTTLED_BODY, THROTTLED_HEADER, THROTTLED_STATUS } from './http-concurrency.ts';
import { type LocalHandler, lambdaContext } from './local-bus.ts';

const MAX_READ_BYTES = 64 * 1024 + 1;

/** A route the sandbox serves itself, beside the API handler's (metric ingest, dead letters). */
export interface SandboxRoute {
  scope: Scope;
  run(req: { body: string; query: URLSearchParams; claims: JWTPayload }): Promise<{ status: number; body: unknown }>;
}

/** An HTTP route and the function handler that serves it. */
export interface ServedRoute {
  route: RouteTrigger;
  handler: LocalHandler;
  functionName: string;
}

export interface ApiServerOptions {
  routes: readonly ServedRoute[];
  verify: (token: string) => Promise<TokenCheck>;
  sandboxRoutes: Record<string, SandboxRoute>;
  /** Each HTTP function's reserved copies; a request over them gets the HTTP API's throttle answer. Unlimited when absent. */
  limits?: HttpFunctionLimits;
}

interface MatchedRoute {
  served: ServedRoute;
  pathParameters: Record<string, string>;
}

function matchRoute(routes: readonly ServedRoute[], method: string, path: string): MatchedRoute | null {
  for (const served of routes) {
    const { route } = served;
    if (route.method !== method) continue;
    const names: string[] = [];
    const source = route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
      names.push(name);
      return '([^/]+)';
    });
    const match = new RegExp(`^${source}$`).exec(path);
    if (match) return { served, pathParameters: Object.fromEntries(names.map((n, i) => [n, match[i + 1]!])) };
  }
  return null;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

/** Reads at most 64 KiB + 1 byte; anything longer is refused by the handler's size check. */
async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    if (size < MAX_READ_BYTES) chunks.push(buf.subarray(0, MAX_READ_BYTES - size));
    size += buf.length;
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Claims as the HTTP API's JWT authorizer hands them to the function in payload 2.0: every value
 * a string. An array claim arrives as one bracketed, space-separated string, e.g. `scp` as
 * "[openid hms/rules.read]" (observed behaviour; the payload-2.0 sample shows only string claims:
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html).
 * How an object claim arrives is not documented; it is passed here as its JSON.
 */
export function claimsAsDelivered(payload: JWTPayload): Record<string, string> {
  const asText = (v: unknown): string =>
    typeof v === 'string' ? v : Array.isArray(v) ? `[${v.map(asText).join(' ')}]` : v !== null && typeof v === 'object' ? JSON.stringify(v) : String(v);
  return Object.fromEntries(Object.entries(payload).map(([k, v]) => [k, asText(v)]));
}

/** The authorizer part of a payload 2.0 event, as the function would receive it for these claims. */
function authorizedEvent(claims: JWTPayload): ApiEvent {
  return { requestContext: { authorizer: { jwt: { claims: claimsAsDelivered(claims), scopes: null } } } } as unknown as ApiEvent;
}

/** The error answer of a check that throws, or null when it passes. */
function refusal(check: () => void): ErrorAnswer | null {
  try {
    check();
    return null;
  } catch (err) {
    return errorAnswer(err);
  }
}

/** What the function receives for one request: the payload 2.0 event, as API Gateway builds it. */
export interface GatewayRequest {
  method: string;
  url: URL;
  headers: IncomingMessage['headers'];
  body: string;
  route: RouteTrigger;
  pathParameters: Record<string, string>;
  claims: JWTPayload;
  sourceIp: string;
}

export function apiGatewayEvent(request: GatewayRequest) {
  const { method, url, route, pathParameters, body } = request;
  const query = Object.fromEntries([...new Set(url.searchParams.keys())].map((k) => [k, url.searchParams.getAll(k).join(',')]));
  return {
    version: '2.0',
    routeKey: `${route.method} ${route.path}`,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers: Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : (v ?? '')])),
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    ...(Object.keys(pathParameters).length > 0 ? { pathParameters } : {}),
    body: body === '' ? undefined : body,
    isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'sandbox',
      domainName: url.host,
      domainPrefix: 'sandbox',
      requestId: randomUUID(),
      routeKey: `${route.method} ${route.path}`,
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
      http: { method, path: url.pathname, protocol: 'HTTP/1.1', sourceIp: request.sourceIp, userAgent: String(request.headers['user-agent'] ?? '') },
      authorizer: { jwt: { claims: claimsAsDelivered(request.claims), scopes: null } },
    },
  };
}

/**
 * Serves the API handler through API-Gateway-shaped (payload 2.0) events. Like the HTTP API's
 * JWT authorizer it refuses a missing or invalid token with 401 before the handler runs.
 */
export function createApiServer(options: ApiServerOptions): Server {
  return createServer((req, res) => {
    handle(options, req, res).catch((err: Error) => {
      console.error('sandbox API error', err);
      send(res, 500, errorBody('internal', 'an internal error occurred; it has been logged'));
    });
  });
}

async function handle(options: ApiServerOptions, req: IncomingMessage, res: ServerResponse) {
  const url = new URL(req.url ?? '/', 'http://sandbox');
  const method = req.method ?? 'GET';
  const body = await readBody(req);
  const header = req.headers.authorization ?? '';
  const token = /^Bearer\s+(.+)$/i.exec(header)?.[1];
  const check: TokenCheck = token ? await options.verify(token) : { valid: false, reason: 'a bearer token is required' };
  const sandboxRoute = options.sandboxRoutes[`${method} ${url.pathname}`];
  const matched = sandboxRoute ? null : matchRoute(options.routes, method, url.pathname);
  if (!sandboxRoute && !matched) return send(res, 404, errorBody('not_found', `no route ${method} ${url.pathname}`));
  if (!check.valid) return send(res, 401, errorBody('unauthorized', check.reason), { 'www-authenticate': 'Bearer' });
  const { claims } = check;
  // Like the authorizer, refuse a token that lacks the route's scopes (in `scope` or `scp`) before
  // any function runs; AWS answers 403 {"message":"Forbidden"}, the sandbox in the error shape.
  // A read passes with any hms-sys scope: its function checks its own and records a denial.
  const scopes = sandboxRoute ? [sandboxRoute.scope] : gatewayScopes(matched!.served.route);
  if (!scopesOfClaims(claims).some((scope) => scopes.includes(scope as Scope)))
    return send(res, 403, errorBody('forbidden', `the token lacks the scope ${scopes.length === 1 ? scopes[0] : `of hms-sys (any of ${scopes.join(', ')})`}`));
  if (sandboxRoute) {
    // The sandbox's own routes check the principal exactly as the API functions do: a subject and the route's scope.
    const refused = refusal(() => requireScope(principalOf(authorizedEvent(claims)), sandboxRoute.scope));
    if (refused) return send(res, refused.status, refused.body);
    const result = await sandboxRoute.run({ body, query: url.searchParams, claims });
    return send(res, result.status, result.body);
  }
  const {
    served: { route, handler, functionName },
    pathParameters,
  } = matched!;
  const event = apiGatewayEvent({ method, url, headers: req.headers, body, route, pathParameters, claims, sourceIp: req.socket.remoteAddress ?? '' });
  const release = options.limits ? options.limits.enter(functionName) : () => undefined;
  if (!release) return send(res, THROTTLED_STATUS, THROTTLED_BODY, { [THROTTLED_HEADER]: functionName });
  let result: { statusCode: number; headers?: Record<string, string>; body?: string };
  try {
    result = (await handler(event as never, lambdaContext(functionName))) as typeof result;
  } finally {
    release();
  }
  res.writeHead(result.statusCode, { 'content-type': 'application/json', ...result.headers });
  res.end(result.body ?? '');
}
