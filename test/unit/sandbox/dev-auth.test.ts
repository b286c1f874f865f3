import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, type JWTPayload, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_AUDIENCE, DEV_ISSUER, type DevKey, loadOrCreateDevKey, signDevClaims, verifyDevToken } from '#sandbox/dev-auth.ts';

// The rules checked here are those of
// https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html
const NOW = 1_900_000_000;
const dir = mkdtempSync(join(tmpdir(), 'hms-dev-auth-'));
let key: DevKey;

beforeAll(async () => {
  key = await loadOrCreateDevKey(join(dir, 'key.json'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const base: JWTPayload = { iss: DEV_ISSUER, aud: DEV_AUDIENCE, sub: 'jane', scope: 'hms/rules.read', iat: NOW - 60, exp: NOW + 3600 };
const without = (claims: JWTPayload, ...names: string[]) => Object.fromEntries(Object.entries(claims).filter(([k]) => !names.includes(k)));
const check = async (claims: JWTPayload) => verifyDevToken(key, await signDevClaims(key, claims), { nowSeconds: NOW });

describe("the sandbox's token check, as the HTTP API's JWT authorizer documents it", () => {
  it('accepts a token that meets every rule', async () => {
    expect(await check(base)).toMatchObject({ valid: true, claims: { sub: 'jane' } });
  });

  it('accepts a token without aud whose client_id is an audience, as a Cognito access token is', async () => {
    expect((await check({ ...without(base, 'aud'), client_id: DEV_AUDIENCE })).valid).toBe(true);
  });

  it('refuses a token with neither aud nor client_id, or whose audience is another', async () => {
    expect(await check(without(base, 'aud'))).toEqual({ valid: false, reason: 'the token does not have a valid audience' });
    expect((await check({ ...base, aud: 'other-api' })).valid).toBe(false);
    expect((await check({ ...without(base, 'aud'), client_id: 'other-client' })).valid).toBe(false);
  });

  it('judges aud alone when both are present, and takes an aud list naming the audience', async () => {
    expect((await check({ ...base, aud: 'other-api', client_id: DEV_AUDIENCE })).valid).toBe(false);
    expect((await check({ ...base, aud: ['other-api', DEV_AUDIENCE] })).valid).toBe(true);
  });

  it('refuses an expired token, and one without exp', async () => {
    expect(await check({ ...base, exp: NOW - 1 })).toEqual({ valid: false, reason: 'the bearer token has expired' });
    expect((await check(without(base, 'exp'))).valid).toBe(false);
  });

  it('refuses a token not yet valid (nbf) or issued in the future (iat)', async () => {
    expect((await check({ ...base, nbf: NOW + 30 })).valid).toBe(false);
    expect((await check({ ...base, nbf: NOW - 30 })).valid).toBe(true);
    expect(await check({ ...base, iat: NOW + 30 })).toEqual({ valid: false, reason: 'the token was issued in the future (iat)' });
  });

  it('refuses a sub that is not a non-empty string (RFC 7519: a StringOrURI)', async () => {
    for (const sub of [null, 123, ['a'], {}, '', true]) {
      expect(await check({ ...base, sub } as unknown as JWTPayload)).toEqual({ valid: false, reason: "the token's sub is not a non-empty string" });
    }
  });

  it('refuses another issuer', async () => {
    expect((await check({ ...base, iss: 'https://cognito-idp.us-gov-west-1.amazonaws.com/us-gov-west-1_Other' })).valid).toBe(false);
  });

  it('refuses a token whose kid is missing or names another key, even if the signature is good', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const noKid = await new SignJWT(base).setProtectedHeader({ alg: 'RS256' }).sign(await importJWK(key.privateJwk, 'RS256'));
    expect(await verifyDevToken(key, noKid, { nowSeconds: NOW })).toMatchObject({ valid: false, reason: expect.stringContaining('kid') });
    const otherKey = await new SignJWT(base).setProtectedHeader({ alg: 'RS256', kid: key.kid }).sign(privateKey);
    expect((await verifyDevToken(key, otherKey, { nowSeconds: NOW })).valid).toBe(false);
  });

  it('refuses an algorithm that is not RSA-based, as API Gateway supports only those', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const ec = await new SignJWT(base).setProtectedHeader({ alg: 'ES256', kid: key.kid }).sign(privateKey);
    expect((await verifyDevToken(key, ec, { nowSeconds: NOW })).valid).toBe(false);
    const hmac = await new SignJWT(base).setProtectedHeader({ alg: 'HS256', kid: key.kid }).sign(new TextEncoder().encode(JSON.stringify(key.publicJwk)));
    expect((await verifyDevToken(key, hmac, { nowSeconds: NOW })).valid).toBe(false);
  });

  it('replaces a stored key API Gateway could not use (an EC key without kid) with an RSA key', async () => {
    const path = join(dir, 'old-key.json');
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    writeFileSync(path, JSON.stringify({ privateJwk: await exportJWK(privateKey), publicJwk: await exportJWK(publicKey) }));
    const replaced = await loadOrCreateDevKey(path);
    expect(replaced.publicJwk.kty).toBe('RSA');
    expect(JSON.parse(readFileSync(path, 'utf8')).kid).toBe(replaced.kid);
    expect((await loadOrCreateDevKey(path)).kid).toBe(replaced.kid);
  });
});
