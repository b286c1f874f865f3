import { DescribeClusterCommand, EKSClient, ResourceNotFoundException } from '@aws-sdk/client-eks';
import { ClusterNotFoundError, ClusterUnavailableError } from '#ports/errors.ts';

/** Where a cluster's API server listens, and the base64 PEM of the CA that signed its certificate. */
export interface ClusterEndpoint {
  url: string;
  caData?: string;
}

export interface EksEndpointResolverOptions {
  region?: string;
  /** Builds the EKS client on first use; defaults to new EKSClient({ region }). */
  createClient?: () => EKSClient;
}

/**
 * Looks up each cluster once with DescribeCluster and keeps the answer for the life of
 * the container. A failed lookup is forgotten, so the next call tries again.
 */
export class EksEndpointResolver {
  private readonly endpoints = new Map<string, Promise<ClusterEndpoint>>();
  private readonly createClient: () => EKSClient;
  private client: EKSClient | undefined;

  constructor(options: EksEndpointResolverOptions = {}) {
    this.createClient = options.createClient ?? (() => new EKSClient({ region: options.region }));
  }

  endpointFor(clusterName: string): Promise<ClusterEndpoint> {
    const cached = this.endpoints.get(clusterName);
    if (cached) return cached;

    const lookup = this.describe(clusterName);
    this.endpoints.set(clusterName, lookup);
    lookup.catch(() => {
      if (this.endpoints.get(clusterName) === lookup) this.endpoints.delete(clusterName);
    });
    return lookup;
  }

  private async describe(clusterName: string): Promise<ClusterEndpoint> {
    this.client ??= this.createClient();
    try {
      const { cluster } = await this.client.send(new DescribeClusterCommand({ name: clusterName }));
      if (!cluster?.endpoint) {
        throw new ClusterUnavailableError(`EKS cluster ${clusterName} has no API endpoint yet (status ${cluster?.status ?? 'unknown'})`, null);
      }
      return { url: cluster.endpoint, caData: cluster.certificateAuthority?.data };
    } catch (err) {
      if (err instanceof ResourceNotFoundException) {
        throw new ClusterNotFoundError(`EKS cluster ${clusterName} does not exist`, { cause: err, object: 'cluster' });
      }
      if (err instanceof ClusterUnavailableError) throw err;
      throw new ClusterUnavailableError(`DescribeCluster failed for EKS cluster ${clusterName}`, null, { cause: err });
    }
  }
}
