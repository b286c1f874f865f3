import { DescribeNodegroupCommand, EKSClient, ListNodegroupsCommand, ResourceNotFoundException } from '@aws-sdk/client-eks';
import { type Clock, systemClock } from '#ports/clock.ts';
import { ClusterNotFoundError } from '#ports/errors.ts';
import type { NodeGroups } from '#ports/node-groups.ts';

export interface EksNodeGroupsOptions {
  region?: string;
  /** Injected in tests; otherwise new EKSClient({ region }) on first use. */
  client?: EKSClient;
  clock?: Clock;
  /** How long an answer is kept per cluster; CACHE_MS when absent. */
  cacheMs?: number;
}

/** Node group sizes change rarely; five minutes keeps DescribeNodegroup off the hot path. */
export const CACHE_MS = 5 * 60_000;
/** ListNodegroups returns at most 100 names a page. */
const PAGE = 100;

interface Cached {
  at: number;
  value: Promise<number | null>;
}

/**
 * The managed node groups of an EKS cluster: the sum of their scalingConfig.maxSize.
 * Nodes that Karpenter or self-managed groups launch are not counted; a cluster with no
 * managed node group answers null, the same as a Fargate-only cluster.
 */
export class EksNodeGroups implements NodeGroups {
  readonly #options: EksNodeGroupsOptions;
  readonly #clock: Clock;
  readonly #cache = new Map<string, Cached>();
  #client: EKSClient | undefined;

  constructor(options: EksNodeGroupsOptions = {}) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#client = options.client;
  }

  /** A failed lookup is forgotten, so the next call asks again. */
  maxNodes(cluster: string): Promise<number | null> {
    const now = this.#clock.now().getTime();
    const cached = this.#cache.get(cluster);
    if (cached && now - cached.at < (this.#options.cacheMs ?? CACHE_MS)) return cached.value;

    const value = this.#lookup(cluster);
    this.#cache.set(cluster, { at: now, value });
    value.catch(() => {
      if (this.#cache.get(cluster)?.value === value) this.#cache.delete(cluster);
    });
    return value;
  }

  async #lookup(cluster: string): Promise<number | null> {
    this.#client ??= new EKSClient({ region: this.#options.region });
    const client = this.#client;
    const names = await this.#names(client, cluster);
    if (names.length === 0) return null;
    const sizes = await Promise.all(names.map((name) => this.#maxSize(client, cluster, name)));
    return sizes.reduce((sum, size) => sum + size, 0);
  }

  /** A node group deleted since it was listed counts for nothing. */
  async #maxSize(client: EKSClient, cluster: string, nodegroupName: string): Promise<number> {
    try {
      const { nodegroup } = await client.send(new DescribeNodegroupCommand({ clusterName: cluster, nodegroupName }));
      return nodegroup?.scalingConfig?.maxSize ?? 0;
    } catch (err) {
      if (err instanceof ResourceNotFoundException) return 0;
      throw err;
    }
  }

  async #names(client: EKSClient, cluster: string): Promise<string[]> {
    const names: string[] = [];
    let nextToken: string | undefined;
    try {
      do {
        const out = await client.send(new ListNodegroupsCommand({ clusterName: cluster, maxResults: PAGE, nextToken }));
        names.push(...(out.nodegroups ?? []));
        nextToken = out.nextToken;
      } while (nextToken);
    } catch (err) {
      if (err instanceof ResourceNotFoundException) throw new ClusterNotFoundError(`EKS cluster ${cluster} does not exist`, { cause: err, object: 'cluster' });
      throw err;
    }
    return names;
  }
}
