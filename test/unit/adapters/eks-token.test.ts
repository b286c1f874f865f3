import { createHash, createHmac } from 'node:crypto';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { describe, expect, it } from 'vitest';
import { createEksToken, EksTokenCache } from '#adapters/aws/eks-token.ts';

const credentials: AwsCredentialIdentityProvider = async () => ({
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  sessionToken: 'session/token+with=odd chars',
});
const signedAt = new Date('2024-05-01T12:00:00Z');
const PREFIX = 'k8s-aws-v1.';

function decode(token: string): URL {
  expect(token.startsWith(PREFIX)).toBe(true);
  return new URL(Buffer.from(token.slice(PREFIX.length), 'base64url').toString('utf8'));
}

/** An independent SigV4 check of the presigned URL, written from the SigV4 spec. */
function expectedSignature(url: URL, clusterName: string, secret: string): string {
  const rfc3986 = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const query = [...url.searchParams]
    .filter(([key]) => key !== 'X-Amz-Signature')
    .map(([key, value]) => `${rfc3986(key)}=${rfc3986(value)}`)
    .sort()
    .join('&');
  const emptyHash = createHash('sha256').update('').digest('hex');
  const canonical = ['GET', '/', query, `host:${url.host}`, `x-k8s-aws-id:${clusterName}`, '', 'host;x-k8s-aws-id', emptyHash].join('\n');
  const date = url.searchParams.get('X-Amz-Date')!;
  const scope = url.searchParams.get('X-Amz-Credential')!.split('/').slice(1).join('/');
  const toSign = ['AWS4-HMAC-SHA256', date, scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
  const [day, region, service] = scope.split('/');
  let key: Buffer = createHmac('sha256', `AWS4${secret}`).update(day!).digest();
  for (const part of [region!, service!, 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
  return createHmac('sha256', key).update(toSign).digest('hex');
}

describe('createEksToken', () => {
  it('wraps a presigned regional STS GetCallerIdentity URL', async () => {
    const token = await createEksToken({ clusterName: 'prod', region: 'eu-west-2', credentials, now: signedAt });
    const url = decode(token);

    expect(url.protocol).toBe('https:');
    expect(url.host).toBe('sts.eu-west-2.amazonaws.com');
    expect(url.pathname).toBe('/');
    expect(url.searchParams.get('Action')).toBe('GetCallerIdentity');
    expect(url.searchParams.get('Version')).toBe('2011-06-15');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('60');
    expect(url.searchParams.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
    expect(url.searchParams.get('X-Amz-Date')).toBe('20240501T120000Z');
    expect(url.searchParams.get('X-Amz-Credential')).toBe('AKIDEXAMPLE/20240501/eu-west-2/sts/aws4_request');
    expect(url.searchParams.get('X-Amz-Security-Token')).toBe('session/token+with=odd chars');
    expect(url.searchParams.get('X-Amz-SignedHeaders')?.split(';')).toEqual(['host', 'x-k8s-aws-id']);
  });

  it('encodes the token as unpadded base64url', async () => {
    const token = await createEksToken({ clusterName: 'prod', region: 'eu-west-2', credentials, now: signedAt });
    expect(token.slice(PREFIX.length)).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(token).not.toContain('=');
  });

  it('signs the cluster name header with a signature SigV4 verifies', async () => {
    const token = await createEksToken({ clusterName: 'prod', region: 'eu-west-2', credentials, now: signedAt });
    const url = decode(token);
    expect(url.searchParams.get('X-Amz-Signature')).toBe(expectedSignature(url, 'prod', 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'));
  });

  it('gives a different signature for a different cluster', async () => {
    const signature = async (clusterName: string) =>
      decode(await createEksToken({ clusterName, region: 'eu-west-2', credentials, now: signedAt })).searchParams.get('X-Amz-Signature');
    expect(await signature('prod')).not.toBe(await signature('staging'));
  });

  it('uses the regional endpoint in GovCloud', async () => {
    const token = await createEksToken({ clusterName: 'gov', region: 'us-gov-west-1', credentials, now: signedAt });
    const url = decode(token);
    expect(url.host).toBe('sts.us-gov-west-1.amazonaws.com');
    expect(url.searchParams.get('X-Amz-Credential')).toBe('AKIDEXAMPLE/20240501/us-gov-west-1/sts/aws4_request');
  });
});

describe('EksTokenCache', () => {
  function cacheWithClock(provider: AwsCredentialIdentityProvider = credentials) {
    let now = signedAt.getTime();
    const cache = new EksTokenCache({ region: 'eu-west-2', credentials: provider, clock: { now: () => new Date(now) } });
    return { cache, advance: (ms: number) => (now += ms) };
  }

  it('reuses a token for just under 14 minutes', async () => {
    const { cache, advance } = cacheWithClock();
    const first = await cache.tokenFor('prod');
    advance(14 * 60_000 - 1);
    expect(await cache.tokenFor('prod')).toBe(first);
  });

  it('signs a new token once 14 minutes have passed', async () => {
    const { cache, advance } = cacheWithClock();
    const first = await cache.tokenFor('prod');
    advance(14 * 60_000);
    const renewed = await cache.tokenFor('prod');
    expect(renewed).not.toBe(first);
    expect(decode(renewed).searchParams.get('X-Amz-Date')).toBe('20240501T121400Z');
  });

  it('keeps one token per cluster', async () => {
    const { cache } = cacheWithClock();
    const prod = await cache.tokenFor('prod');
    const staging = await cache.tokenFor('staging');
    expect(staging).not.toBe(prod);
    expect(await cache.tokenFor('prod')).toBe(prod);
  });

  it('does not keep a failed signing', async () => {
    let calls = 0;
    const flaky: AwsCredentialIdentityProvider = async (props) => {
      calls += 1;
      if (calls === 1) throw new Error('no credentials yet');
      return credentials(props);
    };
    const { cache } = cacheWithClock(flaky);
    await expect(cache.tokenFor('prod')).rejects.toThrow('no credentials yet');
    expect(decode(await cache.tokenFor('prod')).host).toBe('sts.eu-west-2.amazonaws.com');
  });
});
