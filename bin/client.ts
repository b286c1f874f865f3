/** A failed API call, carrying the API's own error body. */
export class ApiCallError extends Error {
  constructor(readonly status: number, readonly body: unknown) {
    const detail = (body as { error?: { code?: string; message?: string; field?: string | null } })?.error;
    super(detail ? `${status} ${detail.code}: ${detail.message}${detail.field ? ` (field: ${detail.field})` : ''}` : `HTTP ${status}`);
    this.name = 'ApiCallError';
  }
}

export interface ApiClient {
  call(method: string, path: string, body?: unknown): Promise<unknown>;
}

export function apiClient(baseUrl: string, token: string): ApiClient {
  return {
    async call(method, path, body) {
      let response: Response;
      try {
        response = await fetch(new URL(path, baseUrl), {
          method,
          headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
      } catch (err) {
        throw new Error(`cannot reach ${baseUrl}: ${(err as Error).message}. Is the sandbox running (npm start)?`);
      }
      const text = await response.text();
      const parsed = text ? (JSON.parse(text) as unknown) : null;
      if (!response.ok) throw new ApiCallError(response.status, parsed);
      return parsed;
    },
  };
}
