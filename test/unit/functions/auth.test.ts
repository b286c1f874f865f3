import { describe, expect, it } from 'vitest';
import { UnauthorizedError } from '#domain/errors.ts';
import { principalOf, scopesOfClaim } from '#functions/http/auth.ts';
import type { ApiEvent } from '#functions/http/http.ts';
import { claimsAsDelivered } from '#sandbox/api-server.ts';

/** A payload 2.0 event whose authorizer passed these claims, exactly as strings. */
const eventWith = (claims: Record<string, string>) => ({ requestContext: { authorizer: { jwt: { claims, scopes: null } } } }) as unknown as ApiEvent;

describe('scopes as API Gateway hands them to the function', () => {
  it('reads an Okta access token, whose scp array arrives as one bracketed string, first and last scope intact', () => {
    // Okta writes scp as a JSON array; the HTTP API passes it on as "[a b c]".
    const okta = {
      sub: '00u1abcd',
      cid: '0oa1client',
      scp: ['hms/rules.read', 'openid', 'hms/audit.read'],
      iss: 'https://agency.okta.com/oauth2/default',
      exp: 1_900_000_000,
    };
    const delivered = claimsAsDelivered(okta);
    expect(delivered.scp).toBe('[hms/rules.read openid hms/audit.read]');
    expect(delivered.exp).toBe('1900000000');
    expect(principalOf(eventWith(delivered)).scopes).toEqual(['hms/rules.read', 'openid', 'hms/audit.read']);
  });

  it('reads an Entra ID access token, whose scp is already a space-separated string', () => {
    const entra = {
      sub: 'AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ',
      azp: '6e74172b-be56-4843-9ff4-e66a39bb12e3',
      scp: 'hms/rules.write hms/rules.read',
      roles: ['Reader', 'Operator'],
    };
    const delivered = claimsAsDelivered(entra);
    expect(delivered.scp).toBe('hms/rules.write hms/rules.read');
    expect(delivered.roles).toBe('[Reader Operator]');
    expect(principalOf(eventWith(delivered)).scopes).toEqual(['hms/rules.write', 'hms/rules.read']);
  });

  it("reads a Cognito access token's space-separated scope, and both scope and scp when a token has both", () => {
    expect(principalOf(eventWith({ sub: 'u', scope: 'hms/audit.read hms/rules.read', client_id: 'abc' })).scopes).toEqual(['hms/audit.read', 'hms/rules.read']);
    expect(principalOf(eventWith({ sub: 'u', scope: 'hms/audit.read', scp: '[hms/rules.write]' })).scopes).toEqual(['hms/audit.read', 'hms/rules.write']);
  });

  it('takes every form of the claim: a real array, a bracketed string, a spaced string, one scope, nothing', () => {
    expect(scopesOfClaim(['a', 'b', 'c'])).toEqual(['a', 'b', 'c']);
    expect(scopesOfClaim('[a b c]')).toEqual(['a', 'b', 'c']);
    expect(scopesOfClaim('[a]')).toEqual(['a']);
    expect(scopesOfClaim('[]')).toEqual([]);
    expect(scopesOfClaim(' a  b ')).toEqual(['a', 'b']);
    expect(scopesOfClaim('a')).toEqual(['a']);
    expect(scopesOfClaim(undefined)).toEqual([]);
    expect(scopesOfClaim(42)).toEqual([]);
  });

  it('refuses a request whose authorizer passed no subject', () => {
    expect(() => principalOf(eventWith({ scope: 'hms/rules.read' }))).toThrow(UnauthorizedError);
  });
});
