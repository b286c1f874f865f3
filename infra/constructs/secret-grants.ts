import { Aws } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { MASTER_TAG, STRATEGY_TAG, TEMPLATE_ROLE_TAG } from '#domain/rotation.ts';
import type { Need } from '#domain/triggers.ts';
import type { NeedGrant } from './need-grants.ts';

/** Every secret in the stack's account and Region; the grants narrow it by tag or name. */
const secretArns = (name: string) => `arn:${Aws.PARTITION}:secretsmanager:${Aws.REGION}:${Aws.ACCOUNT_ID}:secret:${name}`;
/** Where issued database credentials are stored (shared/use-cases/db-credentials.ts names them so). */
export const CREDENTIAL_SECRET_PREFIX = 'hms-sys/db-credentials/';
/** The secret carries the tag, whatever its value (secretsmanager:ResourceTag/<key> is present). */
const taggedWith = (tag: string) => ({ Null: { [`secretsmanager:ResourceTag/${tag}`]: 'false' } });
const TAGGED_SECRETS_FINDING = 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:*]';
const TAGGED_SECRETS_REASON = `Secrets come under hms-sys rotation by being tagged, so their ARNs are unknown at deploy time; every statement on secret:* carries a condition that the secret holds the ${STRATEGY_TAG} (or, for master secrets, ${TEMPLATE_ROLE_TAG} or ${MASTER_TAG}) tag.`;
const ISSUED_SECRETS_ACKNOWLEDGEMENT = {
  id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:${CREDENTIAL_SECRET_PREFIX}*]`,
  reason: `Each issued credential is a new secret whose name (service, random role name, and Secrets Manager's suffix) is made at run time; the grant is limited to names under ${CREDENTIAL_SECRET_PREFIX}.`,
};
/** The function a RotateSecret call sets on the secret, when it sets one. */
const ROTATION_LAMBDA_KEY = 'secretsmanager:RotationLambdaARN';
/** The actions the rotation function's four steps call on the secret it rotates. */
export const ROTATION_STEP_ACTIONS = [
  'secretsmanager:DescribeSecret',
  'secretsmanager:GetSecretValue',
  'secretsmanager:PutSecretValue',
  'secretsmanager:UpdateSecretVersionStage',
];

/** The Secrets Manager needs: rotating secrets, starting and unwedging rotations, issuing and revoking credentials. */
export const SECRET_GRANTS: Pick<
  Record<Need, NeedGrant>,
  'secrets-rotate' | 'secrets-describe' | 'secrets-rotate-start' | 'secrets-unwedge' | 'credentials-issue' | 'credentials-revoke'
> = {
  // Secrets encrypted with the AWS managed key aws/secretsmanager need no KMS grant. A secret under
  // a customer managed key also needs kms:Decrypt (and kms:GenerateDataKey to write versions) on that
  // key, which is not granted here: allow it in the key's policy for these roles, with
  // kms:ViaService secretsmanager.<region>.amazonaws.com.
  'secrets-rotate': (role) => {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ROTATION_STEP_ACTIONS,
        resources: [secretArns('*')],
        conditions: taggedWith(STRATEGY_TAG),
      }),
    );
    // Alternating users: read the superuser secret named by masterarn, which carries the master tag.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: [secretArns('*')],
        conditions: taggedWith(MASTER_TAG),
      }),
    );
    role.acknowledgeGrant({ id: TAGGED_SECRETS_FINDING, reason: TAGGED_SECRETS_REASON });
    role.addPolicy(
      'RandomPasswords',
      [new iam.PolicyStatement({ actions: ['secretsmanager:GetRandomPassword'], resources: ['*'] })],
      [
        {
          id: 'AwsSolutions-IAM5[Resource::*]',
          reason: 'secretsmanager:GetRandomPassword acts on no secret and supports no resource-level permissions, so its resource must be *.',
        },
      ],
    );
  },
  // A rotated secret's service is found from the event; the restarter reads its versions' stages.
  'secrets-describe': (role) => {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:DescribeSecret'],
        resources: [secretArns('*')],
        conditions: taggedWith(STRATEGY_TAG),
      }),
    );
    role.acknowledgeGrant({ id: TAGGED_SECRETS_FINDING, reason: TAGGED_SECRETS_REASON });
  },
  'secrets-rotate-start': (role, { rotationFunctionArn }) => {
    role.addPolicy(
      'SecretsListing',
      [new iam.PolicyStatement({ actions: ['secretsmanager:ListSecrets'], resources: ['*'] })],
      [
        {
          id: 'AwsSolutions-IAM5[Resource::*]',
          reason: 'secretsmanager:ListSecrets supports no resource-level permissions, so its resource must be *; listing returns metadata only, never a value.',
        },
      ],
    );
    // Secrets under rotation: their versions' dates (ListSecretVersionIds: how old a pending rotation is),
    // and their labels when RotateSecret refuses (DescribeSecret: which version holds AWSPENDING).
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:DescribeSecret', 'secretsmanager:ListSecretVersionIds'],
        resources: [secretArns('*')],
        conditions: taggedWith(STRATEGY_TAG),
      }),
    );
    // Start a rotation, or give a secret its schedule, naming hms-sys's rotation function and no other.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:RotateSecret'],
        resources: [secretArns('*')],
        conditions:
          rotationFunctionArn === undefined
            ? { Null: { ...taggedWith(STRATEGY_TAG).Null, [ROTATION_LAMBDA_KEY]: 'true' } }
            : { ...taggedWith(STRATEGY_TAG), ArnEqualsIfExists: { [ROTATION_LAMBDA_KEY]: rotationFunctionArn } },
      }),
    );
    // RotateSecret also needs lambda:InvokeFunction on the rotation function, checked against the caller
    // (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_RotateSecret.html, "Required permissions").
    if (rotationFunctionArn !== undefined) {
      role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [rotationFunctionArn] }));
    }
    role.acknowledgeGrant({ id: TAGGED_SECRETS_FINDING, reason: TAGGED_SECRETS_REASON });
  },
  // The sweeper alone: AWSPENDING taken off a stuck rotation's stale version, so RotateSecret can start again.
  'secrets-unwedge': (role) => {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:UpdateSecretVersionStage'],
        resources: [secretArns('*')],
        conditions: taggedWith(STRATEGY_TAG),
      }),
    );
    role.acknowledgeGrant({ id: TAGGED_SECRETS_FINDING, reason: TAGGED_SECRETS_REASON });
  },
  // Issue (shared/use-cases/issue-db-credential.ts): read the master secret the request names, which
  // carries the template-role tag; make a password; create the credential's secret with its tags
  // (CreateSecret with tags also needs TagResource), deleting it again if the role cannot be made; list
  // the service's earlier credentials.
  'credentials-issue': (role) => {
    role.addPolicy(
      'CredentialIssuing',
      [
        new iam.PolicyStatement({
          actions: ['secretsmanager:ListSecrets', 'secretsmanager:GetRandomPassword'],
          resources: ['*'],
        }),
      ],
      [
        {
          id: 'AwsSolutions-IAM5[Resource::*]',
          reason:
            'secretsmanager:ListSecrets and secretsmanager:GetRandomPassword support no resource-level permissions, so their resource must be *; listing returns metadata only, never a value.',
        },
      ],
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
        resources: [secretArns('*')],
        conditions: taggedWith(TEMPLATE_ROLE_TAG),
      }),
    );
    role.acknowledgeGrant({ id: TAGGED_SECRETS_FINDING, reason: TAGGED_SECRETS_REASON });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:CreateSecret', 'secretsmanager:TagResource', 'secretsmanager:DeleteSecret'],
        resources: [secretArns(`${CREDENTIAL_SECRET_PREFIX}*`)],
      }),
    );
    role.acknowledgeGrant(ISSUED_SECRETS_ACKNOWLEDGEMENT);
  },
  // Revoke (shared/use-cases/revoke-db-credentials.ts): list issued credentials by tag, read each one's
  // master secret (the login that drops the role), delete the credential's secret.
  'credentials-revoke': (role) => {
    role.addPolicy(
      'CredentialListing',
      [new iam.PolicyStatement({ actions: ['secretsmanager:ListSecrets'], resources: ['*'] })],
      [
        {
          id: 'AwsSolutions-IAM5[Resource::*]',
          reason: 'secretsmanager:ListSecrets supports no resource-level permissions, so its resource must be *; listing returns metadata only, never a value.',
        },
      ],
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: [secretArns('*')],
        conditions: taggedWith(TEMPLATE_ROLE_TAG),
      }),
    );
    role.acknowledgeGrant({ id: TAGGED_SECRETS_FINDING, reason: TAGGED_SECRETS_REASON });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:DeleteSecret'],
        resources: [secretArns(`${CREDENTIAL_SECRET_PREFIX}*`)],
      }),
    );
    role.acknowledgeGrant(ISSUED_SECRETS_ACKNOWLEDGEMENT);
  },
};
