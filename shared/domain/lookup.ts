import type { AuditEntry } from './audit.ts';
import { ALL_SCOPES, type RouteTrigger, type Scope } from './triggers.ts';

/**
 * Lookups (AU-2, AU-12): every authenticated read is recorded with who, what, when, the query and
 * the outcome, on the lookup#YYYY-MM-DD streams (audit.ts lookupStream), apart from the changes.
 */

/** Whether a stream holds lookups (lookupStream) rather than changes. */
export function isLookupStream(stream: string): boolean {
  return stream.startsWith('lookup#');
}

/**
 * The scopes the API gateway's JWT authorizer requires of a route. API Gateway refuses a token
 * without one of a route's scopes before the function runs
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html),
 * which would leave a denied read unrecorded. So a read (GET) passes the gateway with any hms-sys
 * scope (a token with none, such as an OpenID ID token, is still refused there, as AWS advises)
 * and its function checks the route's own scope, recording the denied lookup before its 403.
 */
export function gatewayScopes(route: Pick<RouteTrigger, 'method' | 'scope'>): readonly Scope[] {
  return route.method === 'GET' ? ALL_SCOPES : [route.scope];
}

/** One authenticated read, as the HTTP edge sees it before serving it. */
export interface LookupRead {
  /** The operation read, e.g. listAudit: recorded as action `lookup.listAudit`. */
  operationId: string;
  /** The path asked for, with its parameters, e.g. /services/api. */
  path: string;
  /** The query string's parameters as sent (none: {}). */
  query: Record<string, string>;
  /** The scope the route requires. */
  scope: string;
  actor: string;
  requestId: string;
  time: string;
}

/**
 * How a read ended: served; refused for want of the route's scope; or failed after it was
 * authorized (bad input, not found, a dependency down), with the error code that answered it.
 */
export type LookupOutcome = { outcome: 'success' } | { outcome: 'denied' } | { outcome: 'failure'; code: string; status: number };

/** The audit entry of a lookup: the query goes in `before` (what was asked); a read changes nothing, so `after` is null. */
export function lookupEntry(read: LookupRead, end: LookupOutcome): AuditEntry {
  return {
    kind: 'lookup',
    time: read.time,
    actor: read.actor,
    action: `lookup.${read.operationId}`,
    target: read.path,
    before: { query: read.query },
    after: null,
    outcome: end.outcome,
    reasons: [reasonOf(read.scope, end)],
    requestId: read.requestId,
  };
}

function reasonOf(scope: string, end: LookupOutcome): string {
  switch (end.outcome) {
    case 'success':
      return `authorized by scope ${scope}`;
    case 'denied':
      return `the token lacks the scope ${scope}`;
    case 'failure':
      return `authorized by scope ${scope}; answered ${end.status} ${end.code}`;
  }
}
