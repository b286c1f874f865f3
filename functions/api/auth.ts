import { ForbiddenError, UnauthorizedError } from '#domain/errors.ts';
import type { Scope } from '#domain/triggers.ts';
import type { ApiEvent } from './http.ts';

export interface Principal {
  subject: string;
  scopes: string[];
}

/**
 * Reads the JWT claims the HTTP API authorizer (or the sandbox's check) validated.
 * The handler checks again, so a route wired without an authorizer still refuses.
 */
export function principalOf(event: ApiEvent): Principal {
  const jwt = event.requestContext?.authorizer?.jwt;
  const subject = jwt?.claims?.sub;
  if (!jwt || typeof subject !== 'string' || subject === '') throw new UnauthorizedError();
  const claimed = jwt.claims.scope ?? jwt.claims.scp ?? '';
  const fromClaim = Array.isArray(claimed) ? claimed.map(String) : String(claimed).split(' ');
  const scopes = [...new Set([...(jwt.scopes ?? []), ...fromClaim].filter(Boolean))];
  return { subject, scopes };
}

export function requireScope(principal: Principal, scope: Scope): void {
  if (!principal.scopes.includes(scope)) throw new ForbiddenError(scope);
}
