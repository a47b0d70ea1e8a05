import { Logger } from '@aws-lambda-powertools/logger';

/** The one Logger of a function; `POWERTOOLS_SERVICE_NAME` names the function in every line. */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'deploy-pipeline' });
