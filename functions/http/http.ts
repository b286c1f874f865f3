import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { PayloadTooLargeError, ValidationError } from '#domain/errors.ts';

export type ApiEvent = APIGatewayProxyEventV2WithJWTAuthorizer;
export type ApiResult = APIGatewayProxyStructuredResultV2;

export const MAX_BODY_BYTES = 64 * 1024;

export function json(statusCode: number, body: unknown): ApiResult {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

/** The JSON body: at most 64 KiB, well formed, and an object. */
export function readBody(event: Pick<ApiEvent, 'body' | 'isBase64Encoded'>): unknown {
  const raw = event.body ?? '';
  const text = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  if (Buffer.byteLength(text, 'utf8') > MAX_BODY_BYTES) throw new PayloadTooLargeError(MAX_BODY_BYTES);
  if (text.trim() === '') throw new ValidationError('a JSON body is required', null, 'missing_body');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ValidationError(`the body is not well-formed JSON: ${(err as Error).message}`, null, 'malformed_json');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ValidationError('the body must be a JSON object', null, 'invalid_body');
  }
  return parsed;
}
