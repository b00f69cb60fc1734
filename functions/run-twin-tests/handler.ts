import { setTimeout as sleep } from 'node:timers/promises';
import { iotDataClient, lambdaClient, s3Client } from '../shared/clients';
import { systemClock } from '../shared/clock';
import { documentClient } from '../shared/dynamo-client';
import { requiredEnv } from '../shared/env';
import { logger } from '../shared/logger';
import { clientsForTargets } from '../shared/target-clients';
import { withLambda } from '../shared/with-lambda';
import { type RunTwinTestsInput, runTwinTests } from './run-twin-tests';

const deps = {
  clientsFor: clientsForTargets(),
  iotData: iotDataClient(),
  dynamo: documentClient(),
  lambda: lambdaClient(),
  s3: s3Client(),
  logger,
  now: systemClock,
  sleep: (ms: number) => sleep(ms).then(() => undefined),
  config: {
    stateTable: requiredEnv('STATE_TABLE'),
    artifactBucket: requiredEnv('ARTIFACT_BUCKET'),
  },
};

export const handler = withLambda((input: RunTwinTestsInput) => runTwinTests(input, deps));
