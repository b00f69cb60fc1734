import { Metrics } from '@aws-lambda-powertools/metrics';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { sfnClient } from '../shared/clients';
import { documentClient } from '../shared/dynamo-client';
import { requiredEnv } from '../shared/env';
import { classifyAwsError } from '../shared/errors';
import { logger } from '../shared/logger';
import { stageConfigFromEnv } from '../shared/stage-config/from-env';
import { withLambda } from '../shared/with-lambda';
import { ingest } from './start-pipeline';

const metrics = new Metrics({ namespace: 'edge-mlops', serviceName: 'start-pipeline' });
const sqs = new SQSClient({});
const deadLetterQueueUrl = requiredEnv('DEAD_LETTER_QUEUE_URL');
const deps = {
  sfn: sfnClient(),
  store: { dynamo: documentClient(), table: requiredEnv('STATE_TABLE') },
  logger,
  metrics,
  config: {
    stage: requiredEnv('STAGE'),
    stageConfig: stageConfigFromEnv(),
    stateMachineArn: requiredEnv('STATE_MACHINE_ARN'),
    rollbackStateMachineArn: requiredEnv('ROLLBACK_STATE_MACHINE_ARN'),
  },
  deadLetter: async (record: string) => {
    try {
      await sqs.send(new SendMessageCommand({ QueueUrl: deadLetterQueueUrl, MessageBody: record }));
    } catch (error) {
      throw classifyAwsError(error, 'writing the failure record to the dead-letter queue');
    }
  },
};

export const handler = withLambda(
  (event: unknown, context) =>
    ingest(event, deps, {
      functionArn: context.invokedFunctionArn,
      requestId: context.awsRequestId,
    }),
  { metrics },
);
