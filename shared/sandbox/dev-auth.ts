import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { SignJWT, exportJWK, generateKeyPair, importJWK, jwtVerify, type JWK, type JWTPayload } from 'jose';
import { ALL_SCOPES } from '#domain/triggers.ts';

export const DEV_ISSUER = 'https://hms-sys.local/dev';
export const DEV_AUDIENCE = 'hms-sys';
const ALG = 'ES256';

/** Named scope sets `npm start` prints a token for. */
export const TOKEN_PROFILES: Record<string, readonly string[]> = {
  admin: ALL_SCOPES,
  operator: ['hms/rules.read', 'hms/rules.write', 'hms/services.write', 'hms/budgets.write', 'hms/bursts.write', 'hms/secrets.read', 'hms/secrets.write'],
  reader: ['hms/rules.read', 'hms/audit.read', 'hms/secrets.read'],
  auditor: ['hms/audit.read'],
};

export interface DevKey {
  privateJwk: JWK;
  publicJwk: JWK;
}

/** The sandbox's signing key, made once and kept in the data folder so tokens survive restarts. */
export async function loadOrCreateDevKey(path: string): Promise<DevKey> {
  if (existsSync(path)) return JSON.parse(readFileSync(path, 'utf8')) as DevKey;
  const { privateKey, publicKey } = await generateKeyPair(ALG, { extractable: true });
  const key = { privateJwk: await exportJWK(privateKey), publicJwk: await exportJWK(publicKey) };
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(key), { mode: 0o600 });
  return key;
}

export async function issueDevToken(key: DevKey, options: { subject: string; scopes: readonly string[]; ttlSeconds?: number }): Promise<string> {
  const privateKey = await importJWK(key.privateJwk, ALG);
  return new SignJWT({ scope: options.scopes.join(' ') })
    .setProtectedHeader({ alg: ALG, typ: 'JWT' })
    .setIssuer(DEV_ISSUER)
    .setAudience(DEV_AUDIENCE)
    .setSubject(options.subject)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + (options.ttlSeconds ?? 12 * 3600))
    .sign(privateKey);
}

export type TokenCheck = { valid: true; claims: JWTPayload } | { valid: false; reason: string };

/** Checks a bearer token the way the HTTP API's JWT authorizer does: signature, issuer, audience, expiry. */
export async function verifyDevToken(key: DevKey, token: string): Promise<TokenCheck> {
  try {
    const publicKey = await importJWK(key.publicJwk, ALG);
    const { payload } = await jwtVerify(token, publicKey, { issuer: DEV_ISSUER, audience: DEV_AUDIENCE, algorithms: [ALG] });
    return { valid: true, claims: payload };
  } catch (err) {
    const code = (err as { code?: string }).code;
    return { valid: false, reason: code === 'ERR_JWT_EXPIRED' ? 'the bearer token has expired' : 'the bearer token is invalid' };
  }
}
