import {
  ConflictError,
  DependencyError,
  errorBody,
  ForbiddenError,
  type HmsError,
  NotAllowedError,
  NotFoundError,
  PayloadTooLargeError,
  UnauthorizedError,
  UnprocessableError,
  ValidationError,
} from '#domain/errors.ts';
import { DatabaseUnavailableError } from '#ports/database.ts';
import {
  ClusterConflictError,
  ClusterInvalidError,
  ClusterNotFoundError,
  ClusterUnavailableError,
  DependencyUnavailableError,
  InvalidCursorError,
  SecretAccessDeniedError,
  SecretConflictError,
  SecretNotFoundError,
  StaleVersionError,
} from '#ports/errors.ts';

/** One HTTP answer for an error: the status and the `{"error":{"code","message","field"}}` body. */
export interface ErrorAnswer {
  status: number;
  body: ReturnType<typeof errorBody>;
}

// biome-ignore lint/suspicious/noExplicitAny: any constructor of an Error subclass
type ErrorClass = abstract new (...args: any[]) => Error;
type Answer<E extends Error> = (err: E) => ErrorAnswer;

const hms =
  (status: number): Answer<HmsError> =>
  (err) => ({ status, body: err.body() });
const as =
  (status: number, code: string, field: string | null = null): Answer<Error> =>
  (err) => ({ status, body: errorBody(code, err.message, field) });

/** The command that grants the controllers' Kubernetes access, named in every RBAC refusal. */
export const RBAC_COMMAND = 'npx hms-sys rbac --namespaces <namespaces> | kubectl apply -f -';

/**
 * The cluster answered 401 or 403: hms-sys lacks access there. It is a 503 (the request was
 * fine; the deployment is not), and the answer names the command that grants the access.
 */
const clusterUnavailable: Answer<ClusterUnavailableError> = (err) => {
  if (err.status === 401 || err.status === 403) {
    const hint = err.message.includes('hms-sys rbac') ? '' : `; grant hms-sys its access with: ${RBAC_COMMAND}`;
    return { status: 503, body: errorBody('cluster_forbidden', `the cluster refused hms-sys: ${err.message}${hint}`) };
  }
  return { status: 503, body: errorBody('cluster_unavailable', `the cluster did not answer; nothing was changed: ${err.message}`) };
};

/**
 * The one class-to-status table of every HTTP function. The first class an error is an
 * instance of decides, so a subclass comes before its parent.
 */
export const errorTable: ReadonlyArray<readonly [ErrorClass, Answer<never>]> = [
  [ValidationError, hms(400)],
  [UnauthorizedError, hms(401)],
  [ForbiddenError, hms(403)],
  [NotAllowedError, hms(403)],
  [NotFoundError, hms(404)],
  [ConflictError, hms(409)],
  [PayloadTooLargeError, hms(413)],
  [UnprocessableError, hms(422)],
  [DependencyError, hms(503)],
  [StaleVersionError, (err: StaleVersionError) => ({ status: 409, body: errorBody('conflict', `${err.message}: read it and retry`) })],
  [InvalidCursorError, as(400, 'validation_failed', 'query.cursor')],
  [
    ClusterNotFoundError,
    (err: ClusterNotFoundError) => ({
      status: 404,
      body: errorBody(err.object === 'cluster' ? 'cluster_not_found' : 'workload_not_found', err.message, err.object === 'cluster' ? 'cluster' : 'deployment'),
    }),
  ],
  [ClusterConflictError, as(409, 'conflict')],
  [ClusterInvalidError, (err: ClusterInvalidError) => ({ status: 422, body: errorBody('invalid_object', err.message, err.fields[0] ?? null) })],
  [ClusterUnavailableError, clusterUnavailable],
  [SecretNotFoundError, as(404, 'not_found')],
  [SecretConflictError, as(409, 'conflict')],
  [SecretAccessDeniedError, as(503, 'secret_access_denied')],
  [DatabaseUnavailableError, as(503, 'database_unavailable')],
  [DependencyUnavailableError, as(503, 'dependency_unavailable')],
];

/** The answer for an error the table knows, or null for the truly unexpected (the caller's 500). */
export function knownErrorAnswer(err: unknown): ErrorAnswer | null {
  if (!(err instanceof Error)) return null;
  for (const [type, answer] of errorTable) {
    if (err instanceof type) return (answer as Answer<Error>)(err);
  }
  return null;
}

/** A 500 whose message reveals nothing of the raw error. */
export const INTERNAL_ERROR: ErrorAnswer = { status: 500, body: errorBody('internal', 'an internal error occurred; it has been logged') };

/** The answer for any error: the table's, or the safe 500. */
export function errorAnswer(err: unknown): ErrorAnswer {
  return knownErrorAnswer(err) ?? INTERNAL_ERROR;
}
