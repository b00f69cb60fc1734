import { sagemakerClient } from '../shared/clients';
import { systemClock } from '../shared/clock';
import { logger } from '../shared/logger';
import { withLambda } from '../shared/with-lambda';
import { type CheckCompilationInput, checkCompilation } from './check-compilation';

const sagemaker = sagemakerClient();

export const handler = withLambda((input: CheckCompilationInput) =>
  checkCompilation(input, { sagemaker, logger, now: systemClock }),
);
