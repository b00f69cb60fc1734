import { setTimeout as sleep } from 'node:timers/promises';
import { iotDataClient, lambdaClient, s3Client } from '../shared/clients';
import { systemClock } from '../shared/clock';
import { documentClient } from '../shared/dynamo-client';
import { requiredEnv } from '../shared/env';
import { logger } from '../shared/logger';
import type { Plan } from '../shared/plan';
import { clientsForTargets } from '../shared/target-clients';
import { endTwinLease, twinClaim } from '../shared/twin-lease';
import { withLambda } from '../shared/with-lambda';
import { type RunTwinTestsInput, runTwinTests } from './run-twin-tests';

const dynamo = documentClient();
const stateTable = requiredEnv('STATE_TABLE');
const deps = {
  clientsFor: clientsForTargets(),
  iotData: iotDataClient(),
  dynamo,
  lambda: lambdaClient(),
  s3: s3Client(),
  logger,
  now: systemClock,
  sleep: (ms: number) => sleep(ms).then(() => undefined),
  config: { stateTable, artifactBucket: requiredEnv('ARTIFACT_BUCKET') },
  endTwinLease: (plan: Plan) => endTwinLease({ dynamo, table: stateTable }, twinClaim(plan)),
};

export const handler = withLambda((input: RunTwinTestsInput) => runTwinTests(input, deps));
