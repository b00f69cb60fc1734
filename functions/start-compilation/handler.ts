import { sagemakerClient } from '../shared/clients';
import { systemClock } from '../shared/clock';
import { logger } from '../shared/logger';
import { withLambda } from '../shared/with-lambda';
import { type StartCompilationInput, startCompilation } from './start-compilation';

const sagemaker = sagemakerClient();

export const handler = withLambda((input: StartCompilationInput) =>
  startCompilation(input, { sagemaker, logger, now: systemClock }),
);
