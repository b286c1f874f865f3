/** The one error body every API answer uses: `{"error":{"code","message","field"}}`. */
export function errorBody(code: string, message: string, field: string | null = null) {
  return { error: { code, message, field } };
}

/** Errors a request can end in; each maps to one HTTP status and an error code. */
export class HmsError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field: string | null;

  constructor(status: number, code: string, message: string, field: string | null = null, options?: ErrorOptions) {
    super(message, options);
    this.name = 'HmsError';
    this.status = status;
    this.code = code;
    this.field = field;
  }

  body() {
    return errorBody(this.code, this.message, this.field);
  }
}

export class ValidationError extends HmsError {
  constructor(message: string, field: string | null = null, code = 'validation_failed') {
    super(400, code, message, field);
    this.name = 'ValidationError';
  }
}

export class UnauthorizedError extends HmsError {
  constructor(message = 'a valid bearer token is required') {
    super(401, 'unauthorized', message);
    this.name = 'UnauthorizedError';
  }
}

export class ForbiddenError extends HmsError {
  constructor(scope: string) {
    super(403, 'forbidden', `the token lacks the scope ${scope}`, null);
    this.name = 'ForbiddenError';
  }
}

export class NotFoundError extends HmsError {
  constructor(what: string, field: string | null = null) {
    super(404, 'not_found', `${what} was not found`, field);
    this.name = 'NotFoundError';
  }
}

export class ConflictError extends HmsError {
  constructor(message: string, field: string | null = null) {
    super(409, 'conflict', message, field);
    this.name = 'ConflictError';
  }
}

export class PayloadTooLargeError extends HmsError {
  constructor(limitBytes: number) {
    super(413, 'payload_too_large', `the body is larger than ${limitBytes} bytes`);
    this.name = 'PayloadTooLargeError';
  }
}

export class UnprocessableError extends HmsError {
  constructor(code: string, message: string, field: string | null = null) {
    super(422, code, message, field);
    this.name = 'UnprocessableError';
  }
}

/** A dependency (AWS, the cluster) failed after retries; the request changed nothing. */
export class DependencyError extends HmsError {
  constructor(message: string, options?: ErrorOptions) {
    super(503, 'dependency_unavailable', message, null, options);
    this.name = 'DependencyError';
  }
}
