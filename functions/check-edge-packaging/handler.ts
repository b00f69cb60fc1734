import { sagemakerClient } from '../shared/clients';
import { systemClock } from '../shared/clock';
import { logger } from '../shared/logger';
import { withLambda } from '../shared/with-lambda';
import { type CheckEdgePackagingInput, checkEdgePackaging } from './check-edge-packaging';

const sagemaker = sagemakerClient();

export const handler = withLambda((input: CheckEdgePackagingInput) =>
  checkEdgePackaging(input, { sagemaker, logger, now: systemClock }),
);
