import { sagemakerClient } from '../shared/clients';
import { systemClock } from '../shared/clock';
import { logger } from '../shared/logger';
import { withLambda } from '../shared/with-lambda';
import { type StartEdgePackagingInput, startEdgePackaging } from './start-edge-packaging';

const sagemaker = sagemakerClient();

export const handler = withLambda((input: StartEdgePackagingInput) =>
  startEdgePackaging(input, { sagemaker, logger, now: systemClock }),
);
