import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentityProvider, HttpRequest, QueryParameterBag } from '@smithy/types';
import { type Clock, systemClock } from '#ports/clock.ts';

/** The token format aws-iam-authenticator and `aws eks get-token` produce. */
const TOKEN_PREFIX = 'k8s-aws-v1.';
const CLUSTER_ID_HEADER = 'x-k8s-aws-id';
const PRESIGN_EXPIRES_SECONDS = 60;
/** EKS accepts a token for 15 minutes after signing; renew a minute early. */
export const TOKEN_MAX_AGE_MS = 14 * 60_000;

export interface EksTokenRequest {
  clusterName: string;
  region: string;
  credentials: AwsCredentialIdentityProvider;
  /** The signing time; defaults to now. */
  now?: Date;
}

/** The regional STS host: sts.<region>.amazonaws.com (.com.cn in the China partition). */
export function stsHostname(region: string): string {
  const suffix = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `sts.${region}.${suffix}`;
}

/** Presigns STS GetCallerIdentity with the cluster name as a signed header and wraps the URL as a bearer token. */
export async function createEksToken({ clusterName, region, credentials, now }: EksTokenRequest): Promise<string> {
  const hostname = stsHostname(region);
  const signer = new SignatureV4({ service: 'sts', region, credentials, sha256: Sha256 });
  const request: HttpRequest = {
    method: 'GET',
    protocol: 'https:',
    hostname,
    path: '/',
    query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
    headers: { host: hostname, [CLUSTER_ID_HEADER]: clusterName },
  };
  const signed = await signer.presign(request, {
    expiresIn: PRESIGN_EXPIRES_SECONDS,
    signingDate: now ?? new Date(),
  });
  const url = `https://${hostname}/?${formatQuery(signed.query ?? {})}`;
  return TOKEN_PREFIX + Buffer.from(url, 'utf8').toString('base64url');
}

/** RFC 3986 encoding, as SigV4 canonicalises it. Node's base64url already omits '=' padding. */
function formatQuery(query: QueryParameterBag): string {
  const encode = (text: string) => encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return Object.keys(query)
    .sort()
    .flatMap((key) => {
      const value = query[key];
      const values = value == null ? [] : Array.isArray(value) ? value : [value];
      return values.map((v) => `${encode(key)}=${encode(v)}`);
    })
    .join('&');
}

export interface EksTokenCacheOptions {
  region: string;
  /** Defaults to the Node credential chain, loaded on first use. */
  credentials?: AwsCredentialIdentityProvider;
  clock?: Clock;
  maxAgeMs?: number;
}

/** Reuses one token per cluster for at most maxAgeMs (14 minutes), then signs a new one. */
export class EksTokenCache {
  private readonly tokens = new Map<string, { token: Promise<string>; signedAt: number }>();
  private readonly region: string;
  private readonly credentials: AwsCredentialIdentityProvider;
  private readonly clock: Clock;
  private readonly maxAgeMs: number;

  constructor(options: EksTokenCacheOptions) {
    this.region = options.region;
    this.credentials = options.credentials ?? nodeCredentialChain();
    this.clock = options.clock ?? systemClock;
    this.maxAgeMs = options.maxAgeMs ?? TOKEN_MAX_AGE_MS;
  }

  tokenFor(clusterName: string): Promise<string> {
    const now = this.clock.now();
    const cached = this.tokens.get(clusterName);
    if (cached && now.getTime() - cached.signedAt < this.maxAgeMs) return cached.token;

    const token = createEksToken({ clusterName, region: this.region, credentials: this.credentials, now });
    this.tokens.set(clusterName, { token, signedAt: now.getTime() });
    token.catch(() => {
      if (this.tokens.get(clusterName)?.token === token) this.tokens.delete(clusterName);
    });
    return token;
  }
}

/** The SDK's default chain, imported only when first asked so tests and cold starts skip it. */
function nodeCredentialChain(): AwsCredentialIdentityProvider {
  let chain: Promise<AwsCredentialIdentityProvider> | undefined;
  return async (props) => {
    chain ??= import('@aws-sdk/credential-provider-node').then(({ defaultProvider }) => defaultProvider());
    return (await chain)(props);
  };
}
