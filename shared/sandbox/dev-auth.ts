import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { calculateJwkThumbprint, decodeProtectedHeader, exportJWK, generateKeyPair, importJWK, type JWK, type JWTPayload, jwtVerify, SignJWT } from 'jose';
import { ALL_SCOPES } from '#domain/triggers.ts';

export const DEV_ISSUER = 'https://hms-sys.local/dev';
export const DEV_AUDIENCE = 'hms-sys';
/** The HTTP API's JWT authorizer supports only RSA-based algorithms, so the dev key is RSA too. */
const ALG = 'RS256';
const RSA_ALGORITHMS = ['RS256', 'RS384', 'RS512'];

/** Named scope sets `npm start` prints a token for. */
export const TOKEN_PROFILES: Record<string, readonly string[]> = {
  admin: ALL_SCOPES,
  operator: [
    'hms/rules.read',
    'hms/rules.write',
    'hms/services.write',
    'hms/budgets.write',
    'hms/bursts.write',
    'hms/secrets.read',
    'hms/secrets.write',
    'hms/mesh.read',
    'hms/mesh.write',
  ],
  reader: ['hms/rules.read', 'hms/audit.read', 'hms/secrets.read', 'hms/mesh.read'],
  auditor: ['hms/audit.read', 'hms/audit.digest'],
};

export interface DevKey {
  /** The key id tokens name in their `kid` header, as a JWKS entry would. */
  kid: string;
  privateJwk: JWK;
  publicJwk: JWK;
}

const isCurrentKey = (key: Partial<DevKey>) => typeof key.kid === 'string' && key.publicJwk?.kty === 'RSA' && key.privateJwk?.kty === 'RSA';

/** The sandbox's signing key, made once and kept in the data folder so tokens survive restarts. */
export async function loadOrCreateDevKey(path: string): Promise<DevKey> {
  if (existsSync(path)) {
    const stored = JSON.parse(readFileSync(path, 'utf8')) as Partial<DevKey>;
    // An older sandbox kept an EC key without a kid; API Gateway would refuse its tokens, so replace it.
    if (isCurrentKey(stored)) return stored as DevKey;
  }
  const { privateKey, publicKey } = await generateKeyPair(ALG, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const key: DevKey = { kid, privateJwk: { ...(await exportJWK(privateKey)), kid, alg: ALG }, publicJwk: { ...publicJwk, kid, alg: ALG, use: 'sig' } };
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(key), { mode: 0o600 });
  return key;
}

/** Signs any claims with the dev key, `kid` in the header; issueDevToken fills in the usual ones. */
export async function signDevClaims(key: DevKey, claims: JWTPayload): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: ALG, typ: 'JWT', kid: key.kid }).sign(await importJWK(key.privateJwk, ALG));
}

export async function issueDevToken(key: DevKey, options: { subject: string; scopes: readonly string[]; ttlSeconds?: number }): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return signDevClaims(key, {
    scope: options.scopes.join(' '),
    iss: DEV_ISSUER,
    aud: DEV_AUDIENCE,
    sub: options.subject,
    iat: now,
    exp: now + (options.ttlSeconds ?? 12 * 3600),
  });
}

export type TokenCheck = { valid: true; claims: JWTPayload } | { valid: false; reason: string };

const refuse = (reason: string): TokenCheck => ({ valid: false, reason });

/**
 * API Gateway's audience rule: `aud` (a string or a list) must name a configured audience; only
 * when `aud` is absent is `client_id` compared instead (Cognito access tokens carry no `aud`).
 */
function audienceMatches(claims: JWTPayload, audiences: readonly string[]): boolean {
  if (claims.aud !== undefined) return (Array.isArray(claims.aud) ? claims.aud : [claims.aud]).some((a) => audiences.includes(a));
  return typeof claims.client_id === 'string' && audiences.includes(claims.client_id);
}

/**
 * Checks a bearer token as the HTTP API's JWT authorizer does, and nothing kinder:
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html
 * - an RSA signature by the key the header's `kid` names (no `kid`, no key);
 * - `iss` equal to the issuer; `aud`, or `client_id` when `aud` is absent, one of the audiences;
 * - `exp` after now; `nbf` and `iat`, when present, before now (no clock-skew allowance is documented).
 * The route's `scope`/`scp` check is the caller's: it depends on the route.
 */
export async function verifyDevToken(key: DevKey, token: string, options: { audiences?: readonly string[]; nowSeconds?: number } = {}): Promise<TokenCheck> {
  let kid: unknown;
  try {
    kid = decodeProtectedHeader(token).kid;
  } catch {
    return refuse('the bearer token is invalid');
  }
  if (kid !== key.kid) return refuse("the token's kid names no signing key of the issuer");
  let claims: JWTPayload;
  try {
    // jose checks exp and nbf against currentDate; iat and the audience rule follow below.
    const currentDate = options.nowSeconds === undefined ? undefined : new Date(options.nowSeconds * 1000);
    ({ payload: claims } = await jwtVerify(token, await importJWK(key.publicJwk, ALG), {
      issuer: DEV_ISSUER,
      algorithms: RSA_ALGORITHMS,
      requiredClaims: ['exp'],
      ...(currentDate ? { currentDate } : {}),
    }));
  } catch (err) {
    const code = (err as { code?: string; claim?: string }).code;
    if (code === 'ERR_JWT_EXPIRED') return refuse('the bearer token has expired');
    if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED') return refuse(`the token does not have a valid ${(err as { claim?: string }).claim ?? 'claim'}`);
    return refuse('the bearer token is invalid');
  }
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (claims.iat !== undefined && !(claims.iat <= now)) return refuse('the token was issued in the future (iat)');
  if (!audienceMatches(claims, options.audiences ?? [DEV_AUDIENCE])) return refuse('the token does not have a valid audience');
  // `sub` is a StringOrURI (https://www.rfc-editor.org/rfc/rfc7519#section-4.1.2). The authorizer
  // would hand a number or list to the function as text, so refuse here what names no principal.
  if (claims.sub !== undefined && (typeof claims.sub !== 'string' || claims.sub === '')) return refuse("the token's sub is not a non-empty string");
  return { valid: true, claims };
}
