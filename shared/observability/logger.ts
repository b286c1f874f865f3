import { Logger } from '@aws-lambda-powertools/logger';

/** The one logger every function uses; JSON lines with the service name and correlation id. */
export const logger = new Logger({ serviceName: 'hms-sys' });
