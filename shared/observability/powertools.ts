import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/** One logger and one metrics emitter for every function, named by POWERTOOLS_SERVICE_NAME. */
const serviceName = 'hms-sys';

export const logger = new Logger({ serviceName });

export const metrics = new Metrics({ serviceName, namespace: 'HmsSys' });

export { MetricUnit } from '@aws-lambda-powertools/metrics';
