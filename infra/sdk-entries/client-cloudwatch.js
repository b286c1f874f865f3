// Bundling only (an esbuild alias of '@aws-sdk/client-cloudwatch', see infra/lambda-bundling.ts): the client and the
// commands hms-sys sends, each from its own file, instead of the package index that re-exports all.
export { CloudWatchClient } from '../../node_modules/@aws-sdk/client-cloudwatch/dist-es/CloudWatchClient.js';
export { DeleteAlarmsCommand } from '../../node_modules/@aws-sdk/client-cloudwatch/dist-es/commands/DeleteAlarmsCommand.js';
export { DescribeAlarmsCommand } from '../../node_modules/@aws-sdk/client-cloudwatch/dist-es/commands/DescribeAlarmsCommand.js';
export { GetMetricDataCommand } from '../../node_modules/@aws-sdk/client-cloudwatch/dist-es/commands/GetMetricDataCommand.js';
export { PutMetricAlarmCommand } from '../../node_modules/@aws-sdk/client-cloudwatch/dist-es/commands/PutMetricAlarmCommand.js';
