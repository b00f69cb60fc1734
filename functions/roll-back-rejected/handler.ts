import { systemClock } from '../shared/clock';
import { documentClient } from '../shared/dynamo-client';
import { requiredEnv } from '../shared/env';
import { logger } from '../shared/logger';
import { stageConfigFromEnv } from '../shared/stage-config/from-env';
import { clientsForTargets } from '../shared/target-clients';
import { withLambda } from '../shared/with-lambda';
import { type RollBackRejectedInput, rollBackRejected } from './roll-back-rejected';

const deps = {
  clientsFor: clientsForTargets(),
  store: { dynamo: documentClient(), table: requiredEnv('STATE_TABLE') },
  logger,
  now: systemClock,
  config: { stageConfig: stageConfigFromEnv(), stage: requiredEnv('STAGE') },
};

export const handler = withLambda((input: RollBackRejectedInput) => rollBackRejected(input, deps));
