import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { logger } from './logger.ts';
import { metrics } from './metrics.ts';

/** Logger context per invocation (keys reset after each) and EMF metrics flushed at the end. */
export const observed = () => [injectLambdaContext(logger, { resetKeys: true }), logMetrics(metrics)] as const;
