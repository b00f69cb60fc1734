import { systemClock } from '../shared/clock';
import { documentClient } from '../shared/dynamo-client';
import { requiredEnv } from '../shared/env';
import type { FleetTaskInput } from '../shared/fleet-input';
import { logger } from '../shared/logger';
import { withLambda } from '../shared/with-lambda';
import { completeFleetRollout } from './complete-fleet-rollout';

const store = { dynamo: documentClient(), table: requiredEnv('STATE_TABLE') };

export const handler = withLambda((input: FleetTaskInput) =>
  completeFleetRollout(input, { store, logger, now: systemClock }),
);
