export { apiFunction } from './api/triggers.ts';
export { scalerFunction } from './scaler/triggers.ts';
export { reconcilerFunction } from './reconciler/triggers.ts';
export { openApiFunction } from './openapi/triggers.ts';
