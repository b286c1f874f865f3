import { ForbiddenError, UnauthorizedError } from '#domain/errors.ts';
import type { Scope } from '#domain/triggers.ts';
import type { ApiEvent } from './http.ts';

export interface Principal {
  subject: string;
  scopes: string[];
}

/**
 * The scopes one claim grants, in each form a token's `scope` or `scp` reaches us:
 * - a JSON array, as Okta writes `scp` in the token (the sandbox's route check sees these);
 * - a space-separated string, as OAuth 2.0 writes `scope` (Cognito) and Entra ID writes `scp`;
 * - a bracketed string "[a b c]": HTTP API payload 2.0 hands every claim to the function as a
 *   string, and an array claim arrives that way. Splitting it on spaces alone would turn the
 *   first and last scopes into "[a" and "c]".
 */
export function scopesOfClaim(claim: unknown): string[] {
  if (Array.isArray(claim)) return claim.filter((s): s is string => typeof s === 'string' && s !== '');
  if (typeof claim !== 'string') return [];
  const text = claim.trim();
  const inner = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  return inner.split(/\s+/).filter(Boolean);
}

/** What the HTTP API's JWT authorizer compares with a route's scopes: `scope` or `scp`, so both. */
export function scopesOfClaims(claims: Record<string, unknown>): string[] {
  return [...new Set([...scopesOfClaim(claims.scope), ...scopesOfClaim(claims.scp)])];
}

/**
 * Reads the JWT claims the HTTP API authorizer (or the sandbox's check) validated.
 * The handler checks again, so a route wired without an authorizer still refuses.
 */
export function principalOf(event: ApiEvent): Principal {
  const jwt = event.requestContext?.authorizer?.jwt;
  const subject = jwt?.claims?.sub;
  if (!jwt || typeof subject !== 'string' || subject === '') throw new UnauthorizedError();
  const scopes = [...new Set([...(jwt.scopes ?? []), ...scopesOfClaims(jwt.claims ?? {})])];
  return { subject, scopes };
}

export function requireScope(principal: Principal, scope: Scope): void {
  if (!principal.scopes.includes(scope)) throw new ForbiddenError(scope);
}
