import { fromEnv } from '@aws-sdk/credential-provider-env';

/**
 * Stands in for @aws-sdk/credential-provider-node in Lambda bundles (see infra/lambda-bundling.ts):
 * Lambda sets AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN for the function's role.
 */
export const defaultProvider = () => fromEnv();
