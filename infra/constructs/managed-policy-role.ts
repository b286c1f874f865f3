import { Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';

export interface ManagedPolicyRoleProps {
  /** Service that assumes the role, e.g. lambda.amazonaws.com. */
  readonly assumedBy: iam.IPrincipal;
  /** What the role is for; shown in the IAM console. */
  readonly description: string;
}

/** A cdk-nag acknowledgement: the finding id and why it is true for this stack. */
export interface Acknowledgement {
  /** Rule id, with the finding in brackets where the rule reports several, e.g. `AwsSolutions-IAM5[Resource::*]`. */
  readonly id: string;
  /** Why the finding is acceptable here. */
  readonly reason: string;
}

/**
 * An IAM role whose grants land in customer-managed policies instead of an inline
 * DefaultPolicy (NIST 800-53 AC-6 via cdk-nag IAMNoInlinePolicy). Every `grant*` call and
 * `addToPrincipalPolicy` goes to the role's "Grants" policy; statements that need their own
 * cdk-nag acknowledgement go to a separate policy through `addPolicy`, so the
 * acknowledgement covers that statement and nothing else.
 *
 * Policies are attached through the role's ManagedPolicyArns, so anything that depends on the
 * role (a Lambda function validating its VPC permissions) also waits for its policies.
 */
export class ManagedPolicyRole extends iam.Role {
  private readonly grantsPolicy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: ManagedPolicyRoleProps) {
    super(scope, id, { assumedBy: props.assumedBy, description: props.description });
    this.grantsPolicy = this.addPolicy('Grants', []);
  }

  override addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    this.grantsPolicy.addStatements(statement);
    return { statementAdded: true, policyDependable: this.grantsPolicy };
  }

  /** Acknowledges one finding on the Grants policy, e.g. a wildcard resource id a grant needs. */
  acknowledgeGrant(acknowledgement: Acknowledgement): void {
    Validations.of(this.grantsPolicy).acknowledge(acknowledgement);
  }

  /** Attaches a separate managed policy holding `statements`, acknowledging `acknowledgements` on it alone. */
  addPolicy(id: string, statements: iam.PolicyStatement[], acknowledgements: Acknowledgement[] = []): iam.ManagedPolicy {
    const policy = new iam.ManagedPolicy(this, id, { statements });
    this.addManagedPolicy(policy);
    for (const acknowledgement of acknowledgements) {
      Validations.of(policy).acknowledge(acknowledgement);
    }
    return policy;
  }
}
