import { Metrics } from '@aws-lambda-powertools/metrics';

/** The one EMF metrics emitter of the controllers, in the HmsSys namespace. */
export const metrics = new Metrics({ serviceName: 'hms-sys', namespace: 'HmsSys' });

export { MetricUnit } from '@aws-lambda-powertools/metrics';
