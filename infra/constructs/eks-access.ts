import { Aws } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { Need } from '#domain/triggers.ts';

/** EKS access policies a controller can hold, weakest first. */
export type ClusterAccessLevel = 'view' | 'edit';

const ACCESS_POLICY: Record<ClusterAccessLevel, string> = {
  view: 'AmazonEKSViewPolicy',
  edit: 'AmazonEKSEditPolicy',
};

/** The access a function's needs call for: edit to write, view to read, none otherwise. */
export function clusterAccessLevel(needs: readonly Need[]): ClusterAccessLevel | undefined {
  if (needs.includes('cluster-write')) return 'edit';
  if (needs.includes('cluster-read')) return 'view';
  return undefined;
}

export interface EksAccessProps {
  /** Cluster to grant access to; its authentication mode must include API. */
  readonly clusterName: string;
  /** Namespaces the access is limited to. */
  readonly namespaces: readonly string[];
  /** Role that receives the access. */
  readonly role: iam.IRole;
  /** Which AWS-managed EKS access policy to associate. */
  readonly level: ClusterAccessLevel;
}

/**
 * An EKS access entry mapping a controller's IAM role into the cluster, with an AWS-managed
 * access policy limited to the configured namespaces (no aws-auth ConfigMap edits).
 */
export class EksAccess extends Construct {
  readonly entry: eks.CfnAccessEntry;

  constructor(scope: Construct, id: string, props: EksAccessProps) {
    super(scope, id);
    this.entry = new eks.CfnAccessEntry(this, 'Entry', {
      clusterName: props.clusterName,
      principalArn: props.role.roleArn,
      type: 'STANDARD',
      accessPolicies: [{
        policyArn: `arn:${Aws.PARTITION}:eks::aws:cluster-access-policy/${ACCESS_POLICY[props.level]}`,
        accessScope: { type: 'namespace', namespaces: [...props.namespaces] },
      }],
    });
  }
}
