import { Metrics } from '@aws-lambda-powertools/metrics';
import { sfnClient } from '../shared/clients';
import { documentClient } from '../shared/dynamo-client';
import { requiredEnv } from '../shared/env';
import { logger } from '../shared/logger';
import { stageConfigFromEnv } from '../shared/stage-config/from-env';
import { withLambda } from '../shared/with-lambda';
import { startPipeline } from './start-pipeline';

const metrics = new Metrics({ namespace: 'edge-mlops', serviceName: 'start-pipeline' });
const deps = {
  sfn: sfnClient(),
  store: { dynamo: documentClient(), table: requiredEnv('STATE_TABLE') },
  logger,
  metrics,
  config: {
    stage: requiredEnv('STAGE'),
    stageConfig: stageConfigFromEnv(),
    stateMachineArn: requiredEnv('STATE_MACHINE_ARN'),
  },
};

export const handler = withLambda(async (event: unknown) => {
  try {
    return await startPipeline(event, deps);
  } finally {
    metrics.publishStoredMetrics();
  }
});
