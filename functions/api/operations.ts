import { NotFoundError, ValidationError } from '#domain/errors.ts';
import { parseInput } from '#domain/validation.ts';
import type { Caller, Ports } from '#ports/ports.ts';
import { listAudit, VERIFY_TIME_BUDGET_MS, verifyAudit } from '#use-cases/audit-trail.ts';
import { ruleStatus } from '#use-cases/rule-status.ts';
import { createRule, deleteRule, getRule, listRules, updateRule } from '#use-cases/rules.ts';
import { updateService } from '#use-cases/service-update.ts';
import { createService, deleteService, getService } from '#use-cases/services.ts';
import { contract } from './contract.ts';
import { json, readBody, type ApiEvent, type ApiResult } from './http.ts';

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

export function validateRequest<P extends object>(operationId: string, event: ApiEvent, ports: P, caller: Caller): Request<P> {
  const spec = contract[operationId];
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

export const operations: Record<string, Operation> = {
  createService: (r) => createService(r.ports, r.caller, r.body as never, r),
  listServices: async (r) => ({ services: await r.ports.store.listServices() }),
  getService: (r) => getService(r.ports, r.path.name!),
  deleteService: (r) => deleteService(r.ports, r.caller, r.path.name!, r),
  updateService: (r) => updateService(r.ports, r.caller, r.path.name!, r.body as never, r),
  createRule: (r) => createRule(r.ports, r.caller, r.body as never, r),
  listRules: async (r) => ({ rules: await listRules(r.ports, r.query.service as string | undefined) }),
  getRule: (r) => getRule(r.ports, r.path.id!),
  updateRule: (r) => updateRule(r.ports, r.caller, r.path.id!, r.body as never, r),
  deleteRule: (r) => deleteRule(r.ports, r.caller, r.path.id!, r),
  getRuleStatus: (r) => ruleStatus(r.ports, r.path.id!),
  listAudit: (r) => {
    const q = r.query as { service?: string; since?: string; until?: string; limit: number; cursor?: string };
    return listAudit(r.ports, {
      limit: q.limit,
      ...(q.service ? { service: q.service } : {}),
      ...(q.since ? { since: new Date(q.since).toISOString() } : {}),
      ...(q.until ? { until: new Date(q.until).toISOString() } : {}),
      ...(q.cursor ? { cursor: q.cursor } : {}),
    });
  },
  verifyAudit: (r) => {
    const q = r.query as { service?: string; from: 'checkpoint' | 'genesis'; cursor?: string };
    const stopAt = Date.now() + VERIFY_TIME_BUDGET_MS;
    return verifyAudit(r.ports, {
      from: q.from, ...(q.service ? { service: q.service } : {}), ...(q.cursor ? { cursor: q.cursor } : {}),
    }, () => Date.now() > stopAt);
  },
};

/** Runs an operation and shapes its HTTP answer: 201 for a real create, 202 for work started, 200 otherwise. */
export async function runOperation<P extends object>(operationId: string, request: Request<P>, table: Record<string, Operation<P>>): Promise<ApiResult> {
  const operation = table[operationId];
  if (!operation) throw new NotFoundError(`operation ${operationId}`);
  const result = await operation(request);
  const created = contract[operationId]?.created && !request.dryRun;
  return json(created ? 201 : contract[operationId]?.accepted ? 202 : 200, result);
}
