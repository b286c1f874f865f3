/** The node groups behind a cluster: how many nodes they may grow to. */
export interface NodeGroups {
  /** The sum of the node groups' maximum sizes, or null when the cluster has none (Fargate only). */
  maxNodes(cluster: string): Promise<number | null>;
}
