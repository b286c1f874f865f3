import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { PayloadTooLargeError, ValidationError } from '#domain/errors.ts';

export type ApiEvent = APIGatewayProxyEventV2WithJWTAuthorizer;
export type ApiResult = APIGatewayProxyStructuredResultV2;

export const MAX_BODY_BYTES = 64 * 1024;

export function json(statusCode: number, body: unknown): ApiResult {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

/** The JSON body: at most 64 KiB, well formed, and an object. With `optional`, an empty body reads as `{}`. */
export function readBody(event: Pick<ApiEvent, 'body' | 'isBase64Encoded'> & Partial<Pick<ApiEvent, 'headers'>>, optional = false): unknown {
  const raw = event.body ?? '';
  const text = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  if (Buffer.byteLength(text, 'utf8') > MAX_BODY_BYTES) throw new PayloadTooLargeError(MAX_BODY_BYTES);
  if (text.trim() === '') {
    if (optional) return {};
    throw new ValidationError('a JSON body is required', null, 'missing_body');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    // A body that is not JSON and says it is something else (a YAML file, say) was sent to the wrong kind of route:
    // name its content type, as the routes that take a file do. (A JSON body with curl's default form type still reads.)
    const contentType = contentTypeOf(event.headers);
    if (contentType !== undefined && contentType !== 'application/json' && !contentType.endsWith('+json')) {
      throw new ValidationError(
        `the body is sent as ${contentType}; this route takes a JSON object sent as application/json`,
        'content-type',
        'unsupported_media_type',
      );
    }
    throw new ValidationError(`the body is not well-formed JSON: ${(err as Error).message}`, null, 'malformed_json');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ValidationError('the body must be a JSON object', null, 'invalid_body');
  }
  const unpaired = loneSurrogateAt(parsed, '');
  if (unpaired !== null) {
    // JSON.parse turns "\ud800" into a lone surrogate, which is not Unicode text: I-JSON (RFC 7493) forbids it, and the audit
    // record of the request could not be hashed (RFC 8785, docs/audit-format.md).
    throw new ValidationError('the body holds an unpaired surrogate escape (\\ud800-\\udfff), which is not Unicode text', unpaired || null, 'malformed_json');
  }
  return parsed;
}

/**
 * A file's text as the body (a manifest in YAML or JSON): at most 64 KiB, not empty, sent with one
 * of `contentTypes` (parameters such as charset aside) or with none.
 */
export function readTextBody(event: Pick<ApiEvent, 'body' | 'isBase64Encoded' | 'headers'>, contentTypes: readonly string[]) {
  const raw = event.body ?? '';
  const text = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  if (Buffer.byteLength(text, 'utf8') > MAX_BODY_BYTES) throw new PayloadTooLargeError(MAX_BODY_BYTES);
  const contentType = contentTypeOf(event.headers);
  if (contentType !== undefined && !contentTypes.includes(contentType)) {
    throw new ValidationError(
      `the body is sent as ${contentType}; send the file's text as one of ${contentTypes.join(', ')} (curl: -H 'content-type: application/yaml' --data-binary @FILE)`,
      'content-type',
      'unsupported_media_type',
    );
  }
  if (text.trim() === '') throw new ValidationError('the body must hold the file: it is empty', null, 'missing_body');
  return { text, ...(contentType ? { contentType } : {}) };
}

/** The request's media type, lower case without parameters (charset …), or undefined when it names none. */
function contentTypeOf(headers: ApiEvent['headers'] | undefined): string | undefined {
  const header = Object.entries(headers ?? {}).find(([name]) => name.toLowerCase() === 'content-type')?.[1];
  return header?.split(';')[0]?.trim().toLowerCase() || undefined;
}

const LONE_SURROGATE = /\p{Cs}/u;

/** The dotted path of the first string or member name holding a lone surrogate ('' for the top level), or null when none does. */
function loneSurrogateAt(value: unknown, path: string): string | null {
  if (typeof value === 'string') return LONE_SURROGATE.test(value) ? path : null;
  if (value === null || typeof value !== 'object') return null;
  for (const [name, member] of Object.entries(value)) {
    const at = path ? `${path}.${name}` : name;
    if (LONE_SURROGATE.test(name)) return path;
    const found = loneSurrogateAt(member, at);
    if (found !== null) return found;
  }
  return null;
}
