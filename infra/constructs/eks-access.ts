import * as eks from 'aws-cdk-lib/aws-eks';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { Need } from '#domain/triggers.ts';
import { type ClusterAccessLevel, kubernetesGroup } from '../rbac.ts';

/**
 * The access a function's needs call for: capacity to run bursts, write to scale, restart to roll
 * Deployments, mesh to apply manifests' objects, read to look, none otherwise. An access entry puts
 * a role in one group, and the restart and mesh groups are not supersets of the others, so
 * cluster-restart and cluster-mesh cannot be combined with another cluster need.
 */
export function clusterAccessLevel(needs: readonly Need[]): ClusterAccessLevel | undefined {
  for (const [need, level] of [
    ['cluster-restart', 'restart'],
    ['cluster-mesh', 'mesh'],
  ] as const) {
    if (!needs.includes(need)) continue;
    const others = needs.filter((n) => n.startsWith('cluster-') && n !== need);
    if (others.length > 0) throw new Error(`${need} cannot be combined with ${others.join(', ')}: a role gets one Kubernetes group`);
    return level;
  }
  if (needs.includes('cluster-capacity')) return 'capacity';
  if (needs.includes('cluster-write')) return 'write';
  if (needs.includes('cluster-read')) return 'read';
  return undefined;
}

export interface EksAccessProps {
  /** Cluster to grant access to; its authentication mode must include API. */
  readonly clusterName: string;
  /**
   * Namespaces the group's RoleBindings must exist in (`hms-sys rbac --namespaces ...`).
   * The access entry itself is not namespaced: the Roles are what limit it.
   */
  readonly namespaces: readonly string[];
  /** Role that receives the access. */
  readonly role: iam.IRole;
  /** Which Kubernetes group (infra/rbac.ts) the role is put in. */
  readonly level: ClusterAccessLevel;
}

/**
 * An EKS access entry that maps a controller's IAM role to a Kubernetes group, with no EKS
 * access policy: Kubernetes RBAC (the manifest from infra/rbac.ts) is the only authorization,
 * so the role holds exactly the verbs its controller calls, in the listed namespaces.
 */
export class EksAccess extends Construct {
  readonly entry: eks.CfnAccessEntry;
  /** The Kubernetes group the entry names. */
  readonly group: string;
  /** Namespaces the RBAC manifest has to bind the group in. */
  readonly namespaces: readonly string[];

  constructor(scope: Construct, id: string, props: EksAccessProps) {
    super(scope, id);
    if (props.namespaces.length === 0) throw new Error(`${this.node.path}: at least one namespace is required`);
    this.group = kubernetesGroup(props.level);
    this.namespaces = Object.freeze([...props.namespaces]);
    this.entry = new eks.CfnAccessEntry(this, 'Entry', {
      clusterName: props.clusterName,
      principalArn: props.role.roleArn,
      type: 'STANDARD',
      kubernetesGroups: [this.group],
    });
  }
}
