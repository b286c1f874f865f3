import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, NIST80053R5Checks } from 'cdk-nag';
import { readConfig } from './config.ts';
import { HmsSysStack } from './hms-sys-stack.ts';

// Entry point named by cdk.json. The stack is environment-agnostic: account, Region and
// partition resolve at deploy time, so synth needs no credentials and no lookups.
const app = new App();
const config = readConfig((key) => app.node.tryGetContext(key));
new HmsSysStack(app, 'HmsSys', {
  config,
  description: 'hms-sys: serverless controllers that scale Amazon EKS Deployments',
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new NIST80053R5Checks(app));
