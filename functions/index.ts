export { apiFunction } from './api/triggers.ts';
export { scalerFunction } from './scaler/triggers.ts';
export { reconcilerFunction } from './reconciler/triggers.ts';
export { openApiFunction } from './openapi/triggers.ts';
export { costApiFunction } from './cost-api/triggers.ts';
export { meterFunction } from './meter/triggers.ts';
export { burstRunnerFunction } from './burst-runner/triggers.ts';
