import { Metrics } from '@aws-lambda-powertools/metrics';
import { systemClock } from '../shared/clock';
import { documentClient } from '../shared/dynamo-client';
import { requiredEnv } from '../shared/env';
import { logger } from '../shared/logger';
import { clientsForTargets } from '../shared/target-clients';
import { withLambda } from '../shared/with-lambda';
import { type RollBackFleetInput, rollBackFleet } from './roll-back-fleet';

const clientsFor = clientsForTargets();
const store = { dynamo: documentClient(), table: requiredEnv('STATE_TABLE') };

const metrics = new Metrics({ namespace: 'edge-mlops', serviceName: 'roll-back-fleet' });

export const handler = withLambda(
  (input: RollBackFleetInput) =>
    rollBackFleet(input, { clientsFor, store, logger, metrics, now: systemClock }),
  { metrics },
);
