// Bundling only (an esbuild alias of '@aws-sdk/client-scheduler', see infra/lambda-bundling.ts): the client and the
// commands hms-sys sends, each from its own file, instead of the package index that re-exports all.

export { CreateScheduleCommand } from '../../node_modules/@aws-sdk/client-scheduler/dist-es/commands/CreateScheduleCommand.js';
export { DeleteScheduleCommand } from '../../node_modules/@aws-sdk/client-scheduler/dist-es/commands/DeleteScheduleCommand.js';
export { GetScheduleCommand } from '../../node_modules/@aws-sdk/client-scheduler/dist-es/commands/GetScheduleCommand.js';
export { UpdateScheduleCommand } from '../../node_modules/@aws-sdk/client-scheduler/dist-es/commands/UpdateScheduleCommand.js';
export { ConflictException, ResourceNotFoundException } from '../../node_modules/@aws-sdk/client-scheduler/dist-es/models/errors.js';
export { SchedulerClient } from '../../node_modules/@aws-sdk/client-scheduler/dist-es/SchedulerClient.js';
