/** The one error body every API answer uses: `{"error":{"code","message","field"}}`. */
export function errorBody(code: string, message: string, field: string | null = null) {
  return { error: { code, message, field } };
}

/**
 * Errors a request can end in, each with an error code and the field it concerns. The HTTP status
 * is not the domain's to say: functions/http/error-table.ts maps each class to one.
 */
export class HmsError extends Error {
  readonly code: string;
  readonly field: string | null;

  constructor(code: string, message: string, field: string | null = null, options?: ErrorOptions) {
    super(message, options);
    this.name = 'HmsError';
    this.code = code;
    this.field = field;
  }

  body() {
    return errorBody(this.code, this.message, this.field);
  }
}

export class ValidationError extends HmsError {
  constructor(message: string, field: string | null = null, code = 'validation_failed') {
    super(code, message, field);
    this.name = 'ValidationError';
  }
}

export class UnauthorizedError extends HmsError {
  constructor(message = 'a valid bearer token is required') {
    super('unauthorized', message);
    this.name = 'UnauthorizedError';
  }
}

export class ForbiddenError extends HmsError {
  constructor(scope: string) {
    super('forbidden', `the token lacks the scope ${scope}`, null);
    this.name = 'ForbiddenError';
  }
}

/** The caller may not see or act on this, for a reason other than a token scope (e.g. namespaces kept apart). */
export class NotAllowedError extends HmsError {
  constructor(code: string, message: string, field: string | null = null) {
    super(code, message, field);
    this.name = 'NotAllowedError';
  }
}

export class NotFoundError extends HmsError {
  constructor(what: string, field: string | null = null) {
    super('not_found', `${what} was not found`, field);
    this.name = 'NotFoundError';
  }
}

export class ConflictError extends HmsError {
  constructor(message: string, field: string | null = null, code = 'conflict') {
    super(code, message, field);
    this.name = 'ConflictError';
  }
}

export class PayloadTooLargeError extends HmsError {
  constructor(limitBytes: number) {
    super('payload_too_large', `the body is larger than ${limitBytes} bytes`);
    this.name = 'PayloadTooLargeError';
  }
}

export class UnprocessableError extends HmsError {
  constructor(code: string, message: string, field: string | null = null) {
    super(code, message, field);
    this.name = 'UnprocessableError';
  }
}

/** A dependency (AWS, the cluster) failed after retries; the request changed nothing. */
export class DependencyError extends HmsError {
  constructor(message: string, options?: ErrorOptions) {
    super('dependency_unavailable', message, null, options);
    this.name = 'DependencyError';
  }
}
