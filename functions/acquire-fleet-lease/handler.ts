import { systemClock } from '../shared/clock';
import { documentClient } from '../shared/dynamo-client';
import { requiredEnv } from '../shared/env';
import type { FleetTaskInput } from '../shared/fleet-input';
import { logger } from '../shared/logger';
import { withLambda } from '../shared/with-lambda';
import { acquireFleetLease } from './acquire-fleet-lease';

const store = { dynamo: documentClient(), table: requiredEnv('STATE_TABLE') };

export const handler = withLambda((input: FleetTaskInput) =>
  acquireFleetLease(input, { store, logger, now: systemClock }),
);
