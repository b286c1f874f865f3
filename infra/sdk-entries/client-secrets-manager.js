// Bundling only (an esbuild alias of '@aws-sdk/client-secrets-manager', see infra/lambda-bundling.ts): the client and the
// commands hms-sys sends, each from its own file, instead of the package index that re-exports all.

export { CreateSecretCommand } from '../../node_modules/@aws-sdk/client-secrets-manager/dist-es/commands/CreateSecretCommand.js';
export { DeleteSecretCommand } from '../../node_modules/@aws-sdk/client-secrets-manager/dist-es/commands/DeleteSecretCommand.js';
export { DescribeSecretCommand } from '../../node_modules/@aws-sdk/client-secrets-manager/dist-es/commands/DescribeSecretCommand.js';
export { GetRandomPasswordCommand } from '../../node_modules/@aws-sdk/client-secrets-manager/dist-es/commands/GetRandomPasswordCommand.js';
export { GetSecretValueCommand } from '../../node_modules/@aws-sdk/client-secrets-manager/dist-es/commands/GetSecretValueCommand.js';
export { ListSecretsCommand } from '../../node_modules/@aws-sdk/client-secrets-manager/dist-es/commands/ListSecretsCommand.js';
export { ListSecretVersionIdsCommand } from '../../node_modules/@aws-sdk/client-secrets-manager/dist-es/commands/ListSecretVersionIdsCommand.js';
export { PutSecretValueCommand } from '../../node_modules/@aws-sdk/client-secrets-manager/dist-es/commands/PutSecretValueCommand.js';
export { RotateSecretCommand } from '../../node_modules/@aws-sdk/client-secrets-manager/dist-es/commands/RotateSecretCommand.js';
export { UpdateSecretVersionStageCommand } from '../../node_modules/@aws-sdk/client-secrets-manager/dist-es/commands/UpdateSecretVersionStageCommand.js';
export { SecretsManagerClient } from '../../node_modules/@aws-sdk/client-secrets-manager/dist-es/SecretsManagerClient.js';
