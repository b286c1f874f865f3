import { systemClock } from '#ports/clock.ts';
import { ClusterUnavailableError } from '#ports/errors.ts';
import type { Wiring } from '#ports/ports.ts';
import { CloudWatchMetrics } from './cloudwatch-metrics.ts';
import type { AwsConfig } from './config.ts';
import { dynamoDbClient } from './dynamodb-client.ts';
import { DynamoDbAuditLog } from './dynamodb-audit-log.ts';
import { DynamoDbLedgerStore } from './dynamodb-ledger-store.ts';
import { EksNodeGroups } from './eks-node-groups.ts';
import { DynamoDbStateStore } from './dynamodb-state-store.ts';
import { EksEndpointResolver } from './eks-endpoint.ts';
import { EksTokenCache } from './eks-token.ts';
import { KubernetesCluster } from './kubernetes-cluster.ts';

/** Ports over AWS: DynamoDB, CloudWatch and the EKS clusters named in the config. */
export function buildAwsWiring(config: AwsConfig): Wiring {
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
      nodeGroups: new EksNodeGroups({ region: config.region }),
      pricingRegion: config.pricingRegion,
      capacityTimings: config.capacityTimings,
      audit: new DynamoDbAuditLog({ client: dynamo, tableName: config.auditTable }),
      metrics: new CloudWatchMetrics({ region: config.region }),
      cluster: new KubernetesCluster({
        endpointFor: async (cluster) => (allowed(cluster), endpoints.endpointFor(cluster)),
        tokenFor: (cluster) => tokens.tokenFor(cluster),
      }),
      clock: systemClock,
      knownClusters: config.clusters,
    },
  };
}

let wiring: Wiring | undefined;

/** The container's one wiring, built on first use from the config the handler read at init. */
export async function awsWiring(config: AwsConfig): Promise<Wiring> {
  wiring ??= buildAwsWiring(config);
  return wiring;
}
