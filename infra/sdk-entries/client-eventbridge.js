// Bundling only (an esbuild alias of '@aws-sdk/client-eventbridge', see infra/lambda-bundling.ts): the client and the
// commands hms-sys sends, each from its own file, instead of the package index that re-exports all.

export { PutEventsCommand } from '../../node_modules/@aws-sdk/client-eventbridge/dist-es/commands/PutEventsCommand.js';
export { EventBridgeClient } from '../../node_modules/@aws-sdk/client-eventbridge/dist-es/EventBridgeClient.js';
