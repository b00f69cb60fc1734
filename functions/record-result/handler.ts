import { sagemakerClient } from '../shared/clients';
import { systemClock } from '../shared/clock';
import { logger } from '../shared/logger';
import { notifyOnceFromEnv } from '../shared/outcome/notify-once';
import { withLambda } from '../shared/with-lambda';
import { type RecordResultInput, recordResult } from './record-result';

const deps = {
  sagemaker: sagemakerClient(),
  notifyOnce: notifyOnceFromEnv('record-result'),
  logger,
  now: systemClock,
};

export const handler = withLambda((input: RecordResultInput) => recordResult(input, deps));
