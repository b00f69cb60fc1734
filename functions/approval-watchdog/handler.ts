import { Metrics } from '@aws-lambda-powertools/metrics';
import { sfnClient } from '../shared/clients';
import { systemClock } from '../shared/clock';
import { documentClient } from '../shared/dynamo-client';
import { requiredEnv } from '../shared/env';
import { logger } from '../shared/logger';
import { stageConfigFromEnv } from '../shared/stage-config/from-env';
import { withLambda } from '../shared/with-lambda';
import { approvalWatchdog } from './approval-watchdog';

const metrics = new Metrics({ namespace: 'edge-mlops', serviceName: 'approval-watchdog' });
const deps = {
  store: { dynamo: documentClient(), table: requiredEnv('STATE_TABLE') },
  sfn: sfnClient(),
  metrics,
  logger,
  now: systemClock,
  config: { stageConfig: stageConfigFromEnv() },
};

export const handler = withLambda(() => approvalWatchdog(deps), { metrics });
