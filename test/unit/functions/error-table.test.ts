import middy from '@middy/core';
import { describe, expect, it, vi } from 'vitest';
import {
  ConflictError,
  DependencyError,
  ForbiddenError,
  NotAllowedError,
  NotFoundError,
  PayloadTooLargeError,
  UnauthorizedError,
  UnprocessableError,
  ValidationError,
} from '#domain/errors.ts';
import { errorAnswer, errorTable } from '#functions/http/error-table.ts';
import type { ApiEvent, ApiResult } from '#functions/http/http.ts';
import { httpErrors } from '#functions/http/http-handler.ts';
import { DatabaseUnavailableError } from '#ports/database.ts';
import {
  ClusterConflictError,
  ClusterInvalidError,
  ClusterNotFoundError,
  ClusterUnavailableError,
  DependencyUnavailableError,
  InvalidCursorError,
  RotationInProgressError,
  SecretAccessDeniedError,
  SecretConflictError,
  SecretNotFoundError,
  StaleVersionError,
} from '#ports/errors.ts';

/**
 * The expected status, code and field are restated here on purpose, not read from errorTable:
 * they are the HTTP contract clients rely on, so a change to the table must fail this test.
 * The import list mirrors the table's for the same reason: each row gets a real instance.
 */
const cases: Array<[string, Error, number, string, string | null]> = [
  ['a validation error', new ValidationError('must be a number', 'minReplicas'), 400, 'validation_failed', 'minReplicas'],
  ['a missing token', new UnauthorizedError(), 401, 'unauthorized', null],
  ['a missing scope', new ForbiddenError('hms/rules.write'), 403, 'forbidden', null],
  ['namespaces kept apart', new NotAllowedError('cross_namespace_denied', 'no policy opens it', 'from'), 403, 'cross_namespace_denied', 'from'],
  ['a missing entity', new NotFoundError('rule AR-1', 'id'), 404, 'not_found', 'id'],
  ['a conflict', new ConflictError('taken', 'name'), 409, 'conflict', 'name'],
  ['a body too large', new PayloadTooLargeError(10), 413, 'payload_too_large', null],
  ['an unprocessable request', new UnprocessableError('unknown_service', 'no such service', 'service'), 422, 'unknown_service', 'service'],
  ['a dependency failure', new DependencyError('CloudWatch refused'), 503, 'dependency_unavailable', null],
  ['a lost conditional write', new StaleVersionError('service a'), 409, 'conflict', null],
  ['a cursor from another query', new InvalidCursorError(), 400, 'validation_failed', 'query.cursor'],
  ['a missing Deployment', new ClusterNotFoundError('deployments.apps "x" not found'), 404, 'workload_not_found', 'deployment'],
  ['a missing EKS cluster', new ClusterNotFoundError('EKS cluster c does not exist', { object: 'cluster' }), 404, 'cluster_not_found', 'cluster'],
  ['a stale resourceVersion', new ClusterConflictError('stale'), 409, 'conflict', null],
  ['an object the API server refused', new ClusterInvalidError('invalid', ['spec.http[0].timeout']), 422, 'invalid_object', 'spec.http[0].timeout'],
  ['an unreachable cluster', new ClusterUnavailableError('timed out', 503), 503, 'cluster_unavailable', null],
  ['a missing secret', new SecretNotFoundError('no such secret'), 404, 'not_found', null],
  ['a rotation in progress', new RotationInProgressError('pending', 'v2'), 409, 'conflict', null],
  ['a secret conflict', new SecretConflictError('stage moved'), 409, 'conflict', null],
  ['a secret hms-sys may not read', new SecretAccessDeniedError('AccessDeniedException'), 503, 'secret_access_denied', null],
  ['an unreachable database', new DatabaseUnavailableError('refused'), 503, 'database_unavailable', null],
  ['an AWS service fault', new DependencyUnavailableError('CloudWatch PutMetricAlarm failed'), 503, 'dependency_unavailable', null],
];

describe('the one error table', () => {
  it.each(cases)('answers %s with its status, code and field', (_, err, status, code, field) => {
    expect(errorAnswer(err)).toEqual({ status, body: { error: { code, message: expect.any(String), field } } });
  });

  it('has a case for every row of the table, so no class goes unchecked', () => {
    const unchecked = errorTable.filter(([type]) => !cases.some(([, err]) => err instanceof type)).map(([type]) => type.name);
    expect(unchecked).toEqual([]);
  });

  it.each([401, 403])('answers a cluster that refuses hms-sys (%i) with 503 naming the hms-sys rbac command', (status) => {
    const answer = errorAnswer(new ClusterUnavailableError('GET /apis/apps/v1/... : Forbidden', status));
    expect(answer.status).toBe(503);
    expect(answer.body.error.code).toBe('cluster_forbidden');
    expect(answer.body.error.message).toContain('hms-sys rbac');
  });

  it('answers anything else with a 500 that reveals nothing of the raw error', () => {
    const answer = errorAnswer(new TypeError('secret-token-value is not a function'));
    expect(answer).toEqual({ status: 500, body: { error: { code: 'internal', message: expect.any(String), field: null } } });
    expect(JSON.stringify(answer)).not.toContain('secret-token-value');
    expect(errorAnswer('a thrown string').status).toBe(500);
  });
});

describe('the error middleware every HTTP function uses', () => {
  const run = async (err: Error) => {
    const reporter = { error: vi.fn() };
    const handler = middy<ApiEvent, ApiResult>(async () => {
      throw err;
    }).use(httpErrors(reporter));
    const result = (await handler({ requestContext: { requestId: 'r-1' } } as ApiEvent, {} as never)) as { statusCode: number; body: string };
    return { result, reporter };
  };

  it('maps a known error through the table without logging it as unhandled', async () => {
    const { result, reporter } = await run(new ClusterNotFoundError('deployments.apps "x" not found'));
    expect(result.statusCode).toBe(404);
    expect(JSON.parse(result.body).error.code).toBe('workload_not_found');
    expect(reporter.error).not.toHaveBeenCalled();
  });

  it('logs an unexpected error and answers the safe 500', async () => {
    const { result, reporter } = await run(new Error('boom'));
    expect(result.statusCode).toBe(500);
    expect(result.body).not.toContain('boom');
    expect(reporter.error).toHaveBeenCalledWith('unhandled error', expect.objectContaining({ requestId: 'r-1' }));
  });
});
