import { sagemakerClient } from '../shared/clients';
import { systemClock } from '../shared/clock';
import { logger } from '../shared/logger';
import { withLambda } from '../shared/with-lambda';
import { type BuildTargetsInput, buildTargets } from './build-targets';

const sagemaker = sagemakerClient();

export const handler = withLambda((input: BuildTargetsInput) =>
  buildTargets(input, { sagemaker, logger, now: systemClock }),
);
