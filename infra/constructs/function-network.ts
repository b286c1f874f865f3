import { Aws, Fn, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { Need } from '#domain/triggers.ts';
import type { Acknowledgement } from './managed-policy-role.ts';

/** The port the databases behind rotated secrets listen on (PostgreSQL's default). */
export const DATABASE_PORT = 5432;

export interface FunctionNetworkProps {
  /** Id of the existing VPC (imported from attributes: no lookup, no credentials at synth). */
  readonly vpcId: string;
  /** Existing private subnets the functions' network interfaces are placed in. */
  readonly subnetIds: readonly string[];
  /**
   * Whether some function reaches PostgreSQL, which needs a second security group.
   * @default false
   */
  readonly databaseClients?: boolean;
}

/**
 * Where the functions sit: the agency's existing VPC and subnets, and one security group
 * that allows no inbound traffic and outbound HTTPS only (AWS APIs, the EKS endpoint).
 * Functions with the 'database' need also get a group that allows PostgreSQL out, so the
 * databases can admit exactly those functions by that group.
 */
export class FunctionNetwork extends Construct {
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
  readonly securityGroup: ec2.SecurityGroup;
  /** Outbound PostgreSQL for functions with the 'database' need; present when asked for. */
  readonly databaseSecurityGroup?: ec2.SecurityGroup;
  private readonly subnetIds: readonly string[];

  constructor(scope: Construct, id: string, props: FunctionNetworkProps) {
    super(scope, id);
    this.subnetIds = props.subnetIds;
    this.vpc = ec2.Vpc.fromVpcAttributes(this, 'Vpc', { vpcId: props.vpcId, availabilityZones: Fn.getAzs() });
    Validations.of(this.vpc).acknowledge({
      id: 'Annotation::@aws-cdk/aws-ec2:vpcAttributeIsListTokenavailabilityZones',
      reason: 'Only the VPC id is used; the subnets are given explicitly, so nothing needs the list of Availability Zones at synth time.',
    });
    const subnets = props.subnetIds.map((subnetId) => ec2.Subnet.fromSubnetId(this, subnetId, subnetId));
    for (const subnet of subnets) {
      Validations.of(subnet).acknowledge({
        id: 'Annotation::@aws-cdk/aws-ec2:noSubnetRouteTableId',
        reason: 'The stack adds no routes, so nothing reads the route tables of the existing subnets.',
      });
    }
    this.subnets = { subnets };
    this.securityGroup = new ec2.SecurityGroup(this, 'FunctionSecurityGroup', {
      vpc: this.vpc,
      description: 'hms-sys functions: no inbound, outbound HTTPS only',
      allowAllOutbound: false,
    });
    this.securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to AWS APIs and the EKS endpoint');
    if (props.databaseClients) {
      // The databases' addresses are not known here; their own security groups decide who gets in.
      this.databaseSecurityGroup = new ec2.SecurityGroup(this, 'DatabaseClientSecurityGroup', {
        vpc: this.vpc,
        description: 'hms-sys functions that rotate or issue database credentials: no inbound, outbound PostgreSQL only',
        allowAllOutbound: false,
      });
      this.databaseSecurityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(DATABASE_PORT), 'PostgreSQL to the databases behind rotated secrets');
    }
  }

  /** The groups a function with these needs is placed in: always the HTTPS group, and the PostgreSQL group for 'database'. */
  securityGroupsFor(needs: readonly Need[]): ec2.SecurityGroup[] {
    if (!needs.includes('database')) return [this.securityGroup];
    if (this.databaseSecurityGroup === undefined) throw new Error('a function needs database, but the network was built without databaseClients');
    return [this.securityGroup, this.databaseSecurityGroup];
  }

  /**
   * What Lambda needs, through the function's own role, to manage its network interfaces
   * (the statements of AWSLambdaVPCAccessExecutionRole without its log permissions, scoped
   * to this VPC's subnets and security group where EC2 allows it).
   */
  networkInterfaceStatements(securityGroups: readonly ec2.ISecurityGroup[] = [this.securityGroup]): iam.PolicyStatement[] {
    const ec2Arn = (resource: string) => `arn:${Aws.PARTITION}:ec2:${Aws.REGION}:${Aws.ACCOUNT_ID}:${resource}`;
    const networkInterfaces = ec2Arn('network-interface/*');
    return [
      new iam.PolicyStatement({
        sid: 'DescribeNetworkInterfaces',
        actions: ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets'],
        resources: ['*'],
      }),
      new iam.PolicyStatement({
        sid: 'CreateNetworkInterfaces',
        actions: ['ec2:CreateNetworkInterface'],
        resources: [
          networkInterfaces,
          ...this.subnetIds.map((subnetId) => ec2Arn(`subnet/${subnetId}`)),
          ...securityGroups.map((group) => ec2Arn(`security-group/${group.securityGroupId}`)),
        ],
      }),
      new iam.PolicyStatement({
        sid: 'ManageNetworkInterfaces',
        actions: ['ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'],
        resources: [networkInterfaces],
      }),
    ];
  }

  /** Why the wildcards in `networkInterfaceStatements` are needed, under the ids cdk-nag reports. */
  networkInterfaceAcknowledgements(): Acknowledgement[] {
    return [
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'ec2:DescribeNetworkInterfaces and ec2:DescribeSubnets support no resource-level permissions; Lambda needs them to attach the function to the VPC.',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:network-interface/*]',
        reason:
          'Lambda creates and deletes network interfaces whose ids are unknown until they exist; creation is also limited to the configured subnets and security group.',
      },
    ];
  }
}
