import type * as z from 'zod/mini';
import { NotFoundError, ValidationError } from '#domain/errors.ts';
import { parseInput } from '#domain/validation.ts';
import type { Caller, Ports } from '#ports/ports.ts';
import { type ApiEvent, readBody, readTextBody } from './http.ts';

/** The request schemas of each operation: the handler validates with them and OpenAPI is generated from them. */
export interface OperationContract {
  query: z.ZodMiniObject;
  body?: z.ZodMiniType;
  path?: Record<string, z.ZodMiniType>;
  created?: boolean;
  /** The operation starts work that finishes later (202 Accepted), such as a rotation. */
  accepted?: boolean;
  /** The query names something that may not exist (404), as GET /audit/verify?service= does. */
  queryNamesObject?: boolean;
  /** The body may be left out (read as `{}`), as POST /audit/digests's may; one that is sent is checked like any other. */
  optionalBody?: boolean;
  /** The body is a file's text (YAML or JSON), read as `{ text, contentType }` instead of parsed as a JSON object; the content types it may come as. */
  textBody?: readonly string[];
}

/** The path parameters a contract declares, as their schemas give them. */
type PathOf<C extends OperationContract> = C extends { path: infer S extends Record<string, z.ZodMiniType> }
  ? { [K in keyof S]: z.output<S[K]> }
  : Record<never, string>;
/** The body a contract declares, as its schema gives it; undefined for an operation without one. */
type BodyOf<C extends OperationContract> = C extends { body: infer B extends z.ZodMiniType } ? z.output<B> : undefined;

/** One request, validated against its operation's contract before the use case runs, and typed by it. */
export interface Request<C extends OperationContract = OperationContract, P extends object = Ports> {
  ports: P;
  caller: Caller;
  query: z.output<C['query']>;
  path: PathOf<C>;
  body: BodyOf<C>;
  dryRun: boolean;
}

export function validateRequest<C extends OperationContract, P extends object>(spec: C, event: ApiEvent, ports: P, caller: Caller): Request<C, P> {
  const query = parseInput(spec.query, event.queryStringParameters ?? {}, 'query');
  const path: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(spec.path ?? {})) {
    const raw = event.pathParameters?.[name];
    if (raw === undefined) throw new NotFoundError(`path parameter ${name}`, name);
    path[name] = parseInput(schema, decodePathParameter(raw, name), name);
  }
  const sent = spec.textBody ? readTextBody(event, spec.textBody) : spec.body ? readBody(event, spec.optionalBody) : undefined;
  const body = spec.body ? parseInput(spec.body, sent) : undefined;
  // The query passed its schema, so dryRun is 'true' only where the operation accepts it.
  const dryRun = event.queryStringParameters?.dryRun === 'true';
  // Each field was parsed by the schema the type names; TypeScript cannot follow a generic contract through the loop.
  return { ports, caller, query, path, body, dryRun } as Request<C, P>;
}

function decodePathParameter(raw: string, name: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new ValidationError(`${name} is not validly percent-encoded`, name);
  }
}
