import { sagemakerClient } from '../shared/clients';
import { systemClock } from '../shared/clock';
import { requiredEnv } from '../shared/env';
import { logger } from '../shared/logger';
import { notifyOnceFromEnv } from '../shared/outcome/notify-once';
import { withLambda } from '../shared/with-lambda';
import { type RecordFailureInput, recordFailure } from './record-failure';

const deps = {
  sagemaker: sagemakerClient(),
  notifyOnce: notifyOnceFromEnv('record-failure'),
  logger,
  now: systemClock,
  config: { stage: requiredEnv('STAGE') },
};

export const handler = withLambda((input: RecordFailureInput) => recordFailure(input, deps));
