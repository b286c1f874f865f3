/** Errors that adapters raise through the ports, whatever the backend. */
export class PortError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PortError';
  }
}

/**
 * An AWS service failed after the SDK's own retries: a server fault (5xx), throttling, or no
 * answer at all. The request may be repeated; it is a 503, never the caller's mistake.
 */
export class DependencyUnavailableError extends PortError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DependencyUnavailableError';
  }
}

/** A conditional write lost to another writer: re-read and decide again. */
export class StaleVersionError extends PortError {
  constructor(what: string, options?: ErrorOptions) {
    super(`${what} was changed by another writer`, options);
    this.name = 'StaleVersionError';
  }
}

/** The Kubernetes API answered 409 for a stale resourceVersion. */
export class ClusterConflictError extends PortError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ClusterConflictError';
  }
}

/**
 * The Kubernetes API refused an object as invalid (422 Invalid): `fields` are the paths its Status
 * causes name (https://kubernetes.io/docs/reference/using-api/api-concepts/#field-validation).
 */
export class ClusterInvalidError extends PortError {
  readonly fields: string[];
  constructor(message: string, fields: string[], options?: ErrorOptions) {
    super(message, options);
    this.name = 'ClusterInvalidError';
    this.fields = fields;
  }
}

/** The Kubernetes API kept failing (429, 5xx, timeout) after retries. */
export class ClusterUnavailableError extends PortError {
  readonly status: number | null;
  constructor(message: string, status: number | null, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ClusterUnavailableError';
    this.status = status;
  }
}

/** The object does not exist in the cluster (404), or the EKS cluster itself does not (`object: 'cluster'`). */
export class ClusterNotFoundError extends PortError {
  readonly object: 'workload' | 'cluster';
  constructor(message: string, options?: ErrorOptions & { object?: 'workload' | 'cluster' }) {
    super(message, options);
    this.name = 'ClusterNotFoundError';
    this.object = options?.object ?? 'workload';
  }
}

/** A list cursor the store did not hand out for this kind of query. */
export class InvalidCursorError extends PortError {
  constructor(options?: ErrorOptions) {
    super('the cursor is not valid for this query', options);
    this.name = 'InvalidCursorError';
  }
}

/** The secret, or the version asked for, does not exist. */
export class SecretNotFoundError extends PortError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SecretNotFoundError';
  }
}

/**
 * The caller may not act on the secret (Secrets Manager's AccessDeniedException). hms-sys's grants on
 * secrets are conditioned on its tags, so for hms-sys this is mostly a secret without the tag.
 * https://docs.aws.amazon.com/secretsmanager/latest/apireference/CommonErrors.html
 */
export class SecretAccessDeniedError extends PortError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SecretAccessDeniedError';
  }
}

/** A secret write conflicts with what is stored: a version id reused with another value, or a stage not where it was said to be. */
export class SecretConflictError extends PortError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SecretConflictError';
  }
}

/**
 * RotateSecret refused: AWSPENDING is on a version other than AWSCURRENT, so Secrets Manager
 * takes a rotation to be in progress (InvalidRequestException). It retries that rotation itself.
 * https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_RotateSecret.html
 */
export class RotationInProgressError extends SecretConflictError {
  constructor(
    message: string,
    readonly pendingVersionId: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'RotationInProgressError';
  }
}
