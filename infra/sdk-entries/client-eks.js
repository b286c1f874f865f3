// Bundling only (an esbuild alias of '@aws-sdk/client-eks', see infra/lambda-bundling.ts): the client and the
// commands hms-sys sends, each from its own file, instead of the package index that re-exports all.

export { DescribeClusterCommand } from '../../node_modules/@aws-sdk/client-eks/dist-es/commands/DescribeClusterCommand.js';
export { DescribeNodegroupCommand } from '../../node_modules/@aws-sdk/client-eks/dist-es/commands/DescribeNodegroupCommand.js';
export { ListNodegroupsCommand } from '../../node_modules/@aws-sdk/client-eks/dist-es/commands/ListNodegroupsCommand.js';
export { EKSClient } from '../../node_modules/@aws-sdk/client-eks/dist-es/EKSClient.js';
export { ResourceNotFoundException } from '../../node_modules/@aws-sdk/client-eks/dist-es/models/errors.js';
