import { systemClock } from '../shared/clock';
import { documentClient } from '../shared/dynamo-client';
import { requiredEnv } from '../shared/env';
import { logger } from '../shared/logger';
import { clientsForTargets } from '../shared/target-clients';
import { withLambda } from '../shared/with-lambda';
import { type DeployToTwinInput, deployToTwin } from './deploy-to-twin';
import { leaseTwin } from './lease-twin';

const clientsFor = clientsForTargets();
const store = { dynamo: documentClient(), table: requiredEnv('STATE_TABLE') };

export const handler = withLambda((input: DeployToTwinInput) =>
  deployToTwin(input, {
    clientsFor,
    logger,
    now: systemClock,
    leaseTwin: (plan) => leaseTwin(plan, { store, logger, now: systemClock }),
  }),
);
