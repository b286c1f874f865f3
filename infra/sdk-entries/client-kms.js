// Bundling only (an esbuild alias of '@aws-sdk/client-kms', see infra/lambda-bundling.ts): the client and the
// commands hms-sys sends, each from its own file, instead of the package index that re-exports all.

export { GetPublicKeyCommand } from '../../node_modules/@aws-sdk/client-kms/dist-es/commands/GetPublicKeyCommand.js';
export { SignCommand } from '../../node_modules/@aws-sdk/client-kms/dist-es/commands/SignCommand.js';
export { KMSClient } from '../../node_modules/@aws-sdk/client-kms/dist-es/KMSClient.js';
