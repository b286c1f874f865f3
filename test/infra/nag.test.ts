import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, NIST80053R5Checks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, test } from 'vitest';
import type { AuditArchive } from '../../infra/constructs/audit-archive.ts';
import { FUNCTION_DECLARATIONS } from '../../infra/hms-sys-stack.ts';
import { acknowledgementsIn, synthesizeWithNag } from './stack-fixture.ts';

const { fixture, findings } = synthesizeWithNag();
const acknowledgements = acknowledgementsIn(fixture.app);
const NAG_PACK_ID = /^(AwsSolutions|NIST\.800\.53\.R5)-/;
/** The grant on every object of the audit archive bucket, to the digest function and the API. */
const ARCHIVE_OBJECTS_FINDING = `AwsSolutions-IAM5[Resource::<${(fixture.stack.node.findChild('AuditArchive') as AuditArchive).bucketLogicalId}.Arn>/*]`;

/**
 * Runs both packs as if nothing were acknowledged: cdk-nag reads acknowledgements under
 * Validations.ACKNOWLEDGED_RULES_METADATA_KEY, so pointing that key elsewhere hides them.
 */
function findingsIgnoringAcknowledgements(scope: IConstruct): Set<string> {
  const key = Validations.ACKNOWLEDGED_RULES_METADATA_KEY;
  const writable = Validations as unknown as { ACKNOWLEDGED_RULES_METADATA_KEY: string };
  writable.ACKNOWLEDGED_RULES_METADATA_KEY = 'hms-sys:test:none';
  try {
    const found = new Set<string>();
    for (const pack of [new AwsSolutionsChecks(), new NIST80053R5Checks()]) {
      for (const violation of pack.validateScope(scope).violations) {
        for (const resource of violation.violatingResources) found.add(`${resource.constructPath} ${violation.ruleName}`);
      }
    }
    return found;
  } finally {
    writable.ACKNOWLEDGED_RULES_METADATA_KEY = key;
  }
}

describe('cdk-nag (AWS Solutions, NIST 800-53 rev 5)', () => {
  test('synth leaves no unacknowledged error or warning', () => {
    expect(findings).toEqual([]);
  });

  test('every acknowledgement gives a reason', () => {
    expect(acknowledgements.length).toBeGreaterThan(0);
    for (const { id, reason } of acknowledgements) expect(reason.length, id).toBeGreaterThan(30);
  });

  test('every cdk-nag acknowledgement silences a finding that would otherwise be reported', () => {
    const unacknowledged = findingsIgnoringAcknowledgements(fixture.app);
    const stale = acknowledgements
      .filter(({ id }) => NAG_PACK_ID.test(id))
      .filter(({ path, id }) => ![...unacknowledged].some((finding) => finding.startsWith(`${path}/`) && finding.endsWith(` ${id}`)));
    expect(stale).toEqual([]);
  });

  test('the acknowledged findings are exactly the reviewed ones', () => {
    const ids = [...new Set(acknowledgements.map(({ id }) => id))].sort();
    expect(ids).toEqual(
      [
        '@aws-cdk/aws-ec2:noSubnetRouteTableId',
        '@aws-cdk/aws-ec2:vpcAttributeIsListTokenavailabilityZones',
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup]',
        'AwsSolutions-IAM5[Resource::*]',
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cloudwatch:<AWS::Region>:<AWS::AccountId>:alarm:*]',
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cloudwatch:<AWS::Region>:<AWS::AccountId>:alarm:hms-sys-*]',
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:network-interface/*]',
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:eks:<AWS::Region>:<AWS::AccountId>:nodegroup/test-cluster/*/*]',
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/hms-sys-bursts/*]',
        // The mesh function's one-shot schedules (pause end, breaker reset), named after services at run time.
        ...(FUNCTION_DECLARATIONS.some((d) => d.needs.includes('mesh-schedules'))
          ? ['AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/hms-sys-mesh/*]']
          : []),
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:*]',
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:hms-sys/db-credentials/*]',
        ARCHIVE_OBJECTS_FINDING,
        'NIST.800.53.R5-S3BucketReplicationEnabled',
        'NIST.800.53.R5-S3DefaultEncryptionKMS',
      ].sort(),
    );
  });

  test('Resource::* is acknowledged only on policies that hold nothing but unscopable actions', () => {
    const paths = acknowledgements.filter(({ id }) => id === 'AwsSolutions-IAM5[Resource::*]').map(({ path }) => path.split('/').pop());
    expect(new Set(paths)).toEqual(
      new Set(['MetricsRead', 'Tracing', 'NetworkInterfaces', 'RandomPasswords', 'SecretsListing', 'CredentialIssuing', 'CredentialListing']),
    );
  });
});
