import { Metrics } from '@aws-lambda-powertools/metrics';
import { documentClient } from '../shared/clients';
import { requiredEnv } from '../shared/env';
import { logger } from '../shared/logger';
import { clientsForTargets } from '../shared/target-clients';
import { withLambda } from '../shared/with-lambda';
import { type RollBackFleetInput, rollBackFleet } from './roll-back-fleet';

const clientsFor = clientsForTargets();
const store = { dynamo: documentClient(), table: requiredEnv('STATE_TABLE') };

export const handler = withLambda((input: RollBackFleetInput) =>
  rollBackFleet(input, { clientsFor, store, logger }),
);
