import { sagemakerClient } from '../shared/clients';
import { documentClient } from '../shared/dynamo-client';
import { requiredEnv } from '../shared/env';
import { logger } from '../shared/logger';
import { withLambda } from '../shared/with-lambda';
import { type CheckStillCurrentInput, checkStillCurrent } from './check-still-current';

const deps = {
  sagemaker: sagemakerClient(),
  store: { dynamo: documentClient(), table: requiredEnv('STATE_TABLE') },
  logger,
};

export const handler = withLambda((input: CheckStillCurrentInput) =>
  checkStillCurrent(input, deps),
);
