/**
 * The seeds' `discover(name)`: the mesh URL of a registered service (http://<name>.mesh:<port>), read
 * from the hms-sys registry (GET /registry/{name}). It carries no dependency, so a workload can copy
 * or import it alone. Any other language does the same with one call, as the README shows:
 *   curl -s -H "Authorization: Bearer $HMS_TOKEN" "$HMS_URL/registry/notification-svc" | jq -r .meshUrl
 */
export interface DiscoverOptions {
  /** The hms-sys API (default: HMS_URL, else the sandbox's http://127.0.0.1:8787). */
  url?: string;
  /** A bearer token with hms/mesh.read (default: HMS_TOKEN). */
  token?: string;
  /** The calling service: a service in another namespace is found only where a policy allows that caller. */
  from?: string;
  fetch?: typeof fetch;
}

/** A refusal of the registry, with the API's own error code and field. */
export class DiscoverError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'DiscoverError';
  }
}

export async function discover(name: string, options: DiscoverOptions = {}): Promise<string> {
  const base = options.url ?? process.env.HMS_URL ?? 'http://127.0.0.1:8787';
  const token = options.token ?? process.env.HMS_TOKEN;
  if (!token) throw new DiscoverError(401, 'unauthorized', 'discover needs a token with hms/mesh.read: pass { token } or set HMS_TOKEN');
  const url = new URL(`/registry/${encodeURIComponent(name)}`, base);
  if (options.from) url.searchParams.set('from', options.from);
  const response = await (options.fetch ?? fetch)(url, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } });
  const body = (await response.json().catch(() => null)) as { meshUrl?: unknown; error?: { code?: string; message?: string } } | null;
  if (!response.ok) {
    const code = body?.error?.code ?? `http_${response.status}`;
    throw new DiscoverError(response.status, code, `discover(${name}): ${response.status} ${code}: ${body?.error?.message ?? response.statusText}`);
  }
  if (typeof body?.meshUrl !== 'string')
    throw new DiscoverError(response.status, 'invalid_answer', `discover(${name}): the registry answered without a meshUrl`);
  return body.meshUrl;
}
