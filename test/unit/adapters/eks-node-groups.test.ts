import { DescribeNodegroupCommand, EKSClient, ListNodegroupsCommand, ResourceNotFoundException } from '@aws-sdk/client-eks';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { EksNodeGroups } from '#adapters/aws/eks-node-groups.ts';
import { ClusterNotFoundError } from '#ports/errors.ts';

const eks = mockClient(EKSClient);
const client = new EKSClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
let nowMs = Date.parse('2026-03-01T12:00:00.000Z');
const clock = { now: () => new Date(nowMs) };

const sizes: Record<string, number> = { general: 10, spot: 25, gpu: 4 };
const notFound = () => new ResourceNotFoundException({ message: 'No node group found', $metadata: {} });

function describeBySize() {
  eks.on(DescribeNodegroupCommand).callsFake((input: { nodegroupName: string }) => ({
    nodegroup: { nodegroupName: input.nodegroupName, scalingConfig: { minSize: 1, maxSize: sizes[input.nodegroupName], desiredSize: 2 } },
  }));
}

beforeEach(() => {
  eks.reset();
  nowMs = Date.parse('2026-03-01T12:00:00.000Z');
});

describe('EksNodeGroups', () => {
  it('sums maxSize over every page of node groups', async () => {
    eks
      .on(ListNodegroupsCommand)
      .resolvesOnce({ nodegroups: ['general', 'spot'], nextToken: 'page-2' })
      .resolvesOnce({ nodegroups: ['gpu'] });
    describeBySize();

    expect(await new EksNodeGroups({ client, clock }).maxNodes('prod')).toBe(39);
    const lists = eks.commandCalls(ListNodegroupsCommand).map((call) => call.args[0].input);
    expect(lists).toEqual([
      { clusterName: 'prod', maxResults: 100, nextToken: undefined },
      { clusterName: 'prod', maxResults: 100, nextToken: 'page-2' },
    ]);
    expect(eks.commandCalls(DescribeNodegroupCommand).map((call) => call.args[0].input)).toEqual([
      { clusterName: 'prod', nodegroupName: 'general' },
      { clusterName: 'prod', nodegroupName: 'spot' },
      { clusterName: 'prod', nodegroupName: 'gpu' },
    ]);
  });

  it('answers null for a cluster with no node groups', async () => {
    eks.on(ListNodegroupsCommand).resolves({ nodegroups: [] });
    expect(await new EksNodeGroups({ client, clock }).maxNodes('fargate-only')).toBeNull();
  });

  it('keeps the answer per cluster for five minutes', async () => {
    eks.on(ListNodegroupsCommand).resolves({ nodegroups: ['general'] });
    describeBySize();
    const groups = new EksNodeGroups({ client, clock });

    await groups.maxNodes('prod');
    nowMs += 5 * 60_000 - 1;
    await groups.maxNodes('prod');
    expect(eks.commandCalls(ListNodegroupsCommand)).toHaveLength(1);

    await groups.maxNodes('staging');
    expect(eks.commandCalls(ListNodegroupsCommand)).toHaveLength(2);

    nowMs += 1;
    await groups.maxNodes('prod');
    expect(eks.commandCalls(ListNodegroupsCommand)).toHaveLength(3);
  });

  it('forgets a failed lookup so the next call asks again', async () => {
    eks
      .on(ListNodegroupsCommand)
      .rejectsOnce(new Error('Throttling'))
      .resolves({ nodegroups: ['spot'] });
    describeBySize();
    const groups = new EksNodeGroups({ client, clock });

    await expect(groups.maxNodes('prod')).rejects.toThrow('Throttling');
    expect(await groups.maxNodes('prod')).toBe(25);
  });

  it('reports a missing cluster, and counts a node group deleted since listing as nothing', async () => {
    eks.on(ListNodegroupsCommand, { clusterName: 'gone' }).rejects(notFound());
    await expect(new EksNodeGroups({ client, clock }).maxNodes('gone')).rejects.toBeInstanceOf(ClusterNotFoundError);

    eks.on(ListNodegroupsCommand, { clusterName: 'prod' }).resolves({ nodegroups: ['general', 'spot'] });
    describeBySize();
    eks.on(DescribeNodegroupCommand, { nodegroupName: 'spot' }).rejects(notFound());
    expect(await new EksNodeGroups({ client, clock }).maxNodes('prod')).toBe(10);
  });
});
