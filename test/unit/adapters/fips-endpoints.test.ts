import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createEksToken, EksTokenCache } from '#adapters/aws/eks-token.ts';

const credentials: AwsCredentialIdentityProvider = async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' });

/** The host an SDK client built as the adapters build them (a Region, nothing else) sends to. */
async function hostOf(client: DynamoDBClient | SecretsManagerClient, region: string): Promise<string> {
  const useFips = await client.config.useFipsEndpoint();
  return client.config.endpointProvider({ Region: region, UseFIPS: useFips, UseDualStack: false }).url.hostname;
}

const tokenHost = (token: string) => new URL(Buffer.from(token.slice('k8s-aws-v1.'.length), 'base64url').toString('utf8')).host;

describe('AWS_USE_FIPS_ENDPOINT, as the stack sets it in GovCloud', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('moves the SDK clients to FIPS endpoints where the partition has separate ones', async () => {
    vi.stubEnv('AWS_USE_FIPS_ENDPOINT', 'true');
    expect(await hostOf(new SecretsManagerClient({ region: 'us-gov-west-1' }), 'us-gov-west-1')).toBe('secretsmanager-fips.us-gov-west-1.amazonaws.com');
    // GovCloud's DynamoDB endpoint is itself the FIPS endpoint.
    expect(await hostOf(new DynamoDBClient({ region: 'us-gov-west-1' }), 'us-gov-west-1')).toBe('dynamodb.us-gov-west-1.amazonaws.com');
    vi.stubEnv('AWS_USE_FIPS_ENDPOINT', 'false');
    expect(await hostOf(new SecretsManagerClient({ region: 'us-gov-west-1' }), 'us-gov-west-1')).toBe('secretsmanager.us-gov-west-1.amazonaws.com');
  });

  // The EKS authenticator checks the presigned URL's host against the partition's regional STS
  // hosts; in GovCloud sts.<region>.amazonaws.com is the FIPS endpoint and no sts-fips host exists
  // (https://aws.amazon.com/compliance/fips/), so the token must not follow the variable.
  it('leaves the EKS token on sts.<region>.amazonaws.com', async () => {
    vi.stubEnv('AWS_USE_FIPS_ENDPOINT', 'true');
    const direct = await createEksToken({ clusterName: 'gov', region: 'us-gov-west-1', credentials });
    const cached = await new EksTokenCache({ region: 'us-gov-east-1', credentials }).tokenFor('gov');
    expect(tokenHost(direct)).toBe('sts.us-gov-west-1.amazonaws.com');
    expect(tokenHost(cached)).toBe('sts.us-gov-east-1.amazonaws.com');
  });
});
