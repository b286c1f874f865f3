import type * as z from 'zod/mini';
import { NotFoundError, ValidationError } from '#domain/errors.ts';
import { parseInput } from '#domain/validation.ts';
import type { Caller, Ports } from '#ports/ports.ts';
import { json, readBody, type ApiEvent, type ApiResult } from './http.ts';

/** The request schemas of each operation: the handler validates with them and OpenAPI is generated from them. */
export interface OperationContract {
  query: z.ZodMiniObject;
  body?: z.ZodMiniType;
  path?: Record<string, z.ZodMiniType>;
  created?: boolean;
  /** The operation starts work that finishes later (202 Accepted), such as a rotation. */
  accepted?: boolean;
}

/** One request, validated against its operation's contract before the use case runs. */
export interface Request<P extends object = Ports> {
  ports: P;
  caller: Caller;
  query: Record<string, unknown>;
  path: Record<string, string>;
  body: unknown;
  dryRun: boolean;
}

export type Operation<P extends object = Ports> = (req: Request<P>) => Promise<unknown>;

export function validateRequest<P extends object>(spec: OperationContract | undefined, operationId: string, event: ApiEvent, ports: P, caller: Caller): Request<P> {
  if (!spec) throw new NotFoundError(`operation ${operationId}`);
  const query = parseInput(spec.query, event.queryStringParameters ?? {}, 'query') as Record<string, unknown>;
  const path: Record<string, string> = {};
  for (const [name, schema] of Object.entries(spec.path ?? {})) {
    const raw = event.pathParameters?.[name];
    if (raw === undefined) throw new NotFoundError(`path parameter ${name}`, name);
    path[name] = parseInput(schema, decodePathParameter(raw, name), name) as string;
  }
  const body = spec.body ? parseInput(spec.body, readBody(event)) : undefined;
  return { ports, caller, query, path, body, dryRun: query.dryRun === 'true' };
}

function decodePathParameter(raw: string, name: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new ValidationError(`${name} is not validly percent-encoded`, name);
  }
}

/** Runs an operation and shapes its HTTP answer: 201 for a real create, 202 for work started, 200 otherwise. */
export async function runOperation<P extends object>(spec: OperationContract | undefined, operationId: string, request: Request<P>, table: Record<string, Operation<P>>): Promise<ApiResult> {
  const operation = table[operationId];
  if (!operation) throw new NotFoundError(`operation ${operationId}`);
  const result = await operation(request);
  const created = spec?.created && !request.dryRun;
  return json(created ? 201 : spec?.accepted ? 202 : 200, result);
}
