import { systemClock } from '../shared/clock';
import { documentClient } from '../shared/dynamo-client';
import { requiredEnv } from '../shared/env';
import type { FleetTaskInput } from '../shared/fleet-input';
import { logger } from '../shared/logger';
import { clientsForTargets } from '../shared/target-clients';
import { withLambda } from '../shared/with-lambda';
import { leaseFleet } from './lease-fleet';
import { startWave } from './start-wave';

const clientsFor = clientsForTargets();
const store = { dynamo: documentClient(), table: requiredEnv('STATE_TABLE') };

export const handler = withLambda((input: FleetTaskInput) =>
  startWave(input, {
    clientsFor,
    logger,
    now: systemClock,
    leaseFleet: (plan, fleet) => leaseFleet(plan, fleet, { store, logger, now: systemClock }),
  }),
);
