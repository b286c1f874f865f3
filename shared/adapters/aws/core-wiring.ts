import { systemClock } from '#ports/clock.ts';
import type { Cluster } from '#ports/cluster.ts';
import { ClusterUnavailableError } from '#ports/errors.ts';
import type { CorePorts, Wiring } from '#ports/ports.ts';
import type { AwsConfig } from './config.ts';
import { DynamoDbAuditLog } from './dynamodb-audit-log.ts';
import { DynamoDbAuditOutbox } from './dynamodb-audit-outbox.ts';
import { dynamoDbClient } from './dynamodb-client.ts';
import { DynamoDbLedgerStore } from './dynamodb-ledger-store.ts';
import { DynamoDbStateStore } from './dynamodb-state-store.ts';
import { EksEndpointResolver } from './eks-endpoint.ts';
import { EksTokenCache } from './eks-token.ts';
import { KubernetesCluster, type KubernetesClusterOptions } from './kubernetes-cluster.ts';

/** The ports every function has: DynamoDB and the EKS clusters, without CloudWatch. */
export function buildCoreWiring<C extends Cluster = KubernetesCluster>(
  config: AwsConfig,
  makeCluster: (options: KubernetesClusterOptions) => C = (options) => new KubernetesCluster(options) as unknown as C,
): Wiring<CorePorts & { cluster: C }> {
  const dynamo = dynamoDbClient({ region: config.region });
  const endpoints = new EksEndpointResolver({ region: config.region });
  const tokens = new EksTokenCache({ region: config.region });
  const allowed = (cluster: string) => {
    if (!config.clusters.includes(cluster)) {
      throw new ClusterUnavailableError(`cluster ${cluster} is not in HMS_CLUSTERS (${config.clusters.join(', ')})`, null);
    }
  };
  return {
    controllerActor: config.actor,
    ports: {
      store: new DynamoDbStateStore({ client: dynamo, tableName: config.stateTable }),
      ledger: new DynamoDbLedgerStore({ client: dynamo, tableName: config.stateTable }),
      pricingRegion: config.pricingRegion,
      capacityTimings: config.capacityTimings,
      audit: new DynamoDbAuditLog({ client: dynamo, tableName: config.auditTable, indexes: config.auditIndexes }),
      auditOutbox: new DynamoDbAuditOutbox({ client: dynamo, tableName: config.auditTable }),
      cluster: makeCluster({
        endpointFor: async (cluster) => (allowed(cluster), endpoints.endpointFor(cluster)),
        tokenFor: (cluster) => tokens.tokenFor(cluster),
      }),
      clock: systemClock,
      knownClusters: config.clusters,
    },
  };
}
