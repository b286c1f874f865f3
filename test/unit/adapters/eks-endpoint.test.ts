import { DescribeClusterCommand, EKSClient, ResourceNotFoundException } from '@aws-sdk/client-eks';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { EksEndpointResolver } from '#adapters/aws/eks-endpoint.ts';
import { ClusterNotFoundError, ClusterUnavailableError } from '#ports/errors.ts';

const eks = mockClient(EKSClient);
const active = {
  cluster: {
    name: 'prod',
    status: 'ACTIVE' as const,
    endpoint: 'https://ABCDEF.gr7.eu-west-2.eks.amazonaws.com',
    certificateAuthority: { data: 'LS0tLS1CRUdJTg==' },
  },
};

describe('EksEndpointResolver', () => {
  beforeEach(() => eks.reset());
  afterAll(() => eks.restore());

  it('describes a cluster once for two lookups', async () => {
    eks.on(DescribeClusterCommand).resolves(active);
    const resolver = new EksEndpointResolver({ region: 'eu-west-2' });

    const first = await resolver.endpointFor('prod');
    const second = await resolver.endpointFor('prod');

    expect(first).toEqual({ url: 'https://ABCDEF.gr7.eu-west-2.eks.amazonaws.com', caData: 'LS0tLS1CRUdJTg==' });
    expect(second).toEqual(first);
    const calls = eks.commandCalls(DescribeClusterCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input).toEqual({ name: 'prod' });
  });

  it('shares one lookup between concurrent callers', async () => {
    eks.on(DescribeClusterCommand).resolves(active);
    const resolver = new EksEndpointResolver({ region: 'eu-west-2' });
    await Promise.all([resolver.endpointFor('prod'), resolver.endpointFor('prod')]);
    expect(eks.commandCalls(DescribeClusterCommand)).toHaveLength(1);
  });

  it('looks each cluster up separately', async () => {
    eks.on(DescribeClusterCommand).resolves(active);
    const resolver = new EksEndpointResolver({ region: 'eu-west-2' });
    await resolver.endpointFor('prod');
    await resolver.endpointFor('staging');
    expect(eks.commandCalls(DescribeClusterCommand).map((c) => c.args[0].input)).toEqual([{ name: 'prod' }, { name: 'staging' }]);
  });

  it('creates the EKS client lazily and only once', async () => {
    eks.on(DescribeClusterCommand).resolves(active);
    const createClient = vi.fn(() => new EKSClient({ region: 'eu-west-2' }));
    const resolver = new EksEndpointResolver({ createClient });
    expect(createClient).not.toHaveBeenCalled();
    await resolver.endpointFor('prod');
    await resolver.endpointFor('staging');
    expect(createClient).toHaveBeenCalledTimes(1);
  });

  it('forgets a failed lookup so the next call tries again', async () => {
    eks.on(DescribeClusterCommand).rejectsOnce(new Error('throttled')).resolves(active);
    const resolver = new EksEndpointResolver({ region: 'eu-west-2' });

    await expect(resolver.endpointFor('prod')).rejects.toBeInstanceOf(ClusterUnavailableError);
    await expect(resolver.endpointFor('prod')).resolves.toMatchObject({ url: active.cluster.endpoint });
    expect(eks.commandCalls(DescribeClusterCommand)).toHaveLength(2);
  });

  it('reports a missing cluster as not found', async () => {
    eks.on(DescribeClusterCommand).rejects(new ResourceNotFoundException({ message: 'No cluster found', $metadata: {} }));
    const resolver = new EksEndpointResolver({ region: 'eu-west-2' });
    await expect(resolver.endpointFor('gone')).rejects.toBeInstanceOf(ClusterNotFoundError);
  });

  it('reports a cluster without an endpoint as unavailable', async () => {
    eks.on(DescribeClusterCommand).resolves({ cluster: { name: 'new', status: 'CREATING' } });
    const resolver = new EksEndpointResolver({ region: 'eu-west-2' });
    await expect(resolver.endpointFor('new')).rejects.toThrow(/no API endpoint yet \(status CREATING\)/);
  });
});
