// Bundling only (an esbuild alias of '@aws-sdk/client-s3', see infra/lambda-bundling.ts): the client and the
// commands hms-sys sends, each from its own file, instead of the package index that re-exports all.

export { GetObjectCommand } from '../../node_modules/@aws-sdk/client-s3/dist-es/commands/GetObjectCommand.js';
export { ListObjectsV2Command } from '../../node_modules/@aws-sdk/client-s3/dist-es/commands/ListObjectsV2Command.js';
export { PutObjectCommand } from '../../node_modules/@aws-sdk/client-s3/dist-es/commands/PutObjectCommand.js';
export { S3Client } from '../../node_modules/@aws-sdk/client-s3/dist-es/S3Client.js';
