import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { targetClientsFactory } from '../shared/assume-role';
import {
  awsRegion,
  greengrassClient,
  iotClient,
  s3Client,
  sagemakerClient,
} from '../shared/clients';
import { documentClient } from '../shared/dynamo-client';
import { requiredEnv } from '../shared/env';
import { logger } from '../shared/logger';
import { stageConfigFromEnv } from '../shared/stage-config/from-env';
import { withLambda } from '../shared/with-lambda';
import { detectDrift } from './detect-drift';

const targets = targetClientsFactory({ greengrass: greengrassClient(), iot: iotClient() });
const deps = {
  s3: s3Client(),
  sagemaker: sagemakerClient(),
  cloudwatch: new CloudWatchClient({ region: awsRegion() }),
  events: new EventBridgeClient({ region: awsRegion() }),
  iotFor: (roleArn: string | undefined) => targets(roleArn).iot,
  store: { dynamo: documentClient(), table: requiredEnv('STATE_TABLE') },
  logger,
  config: { stageConfig: stageConfigFromEnv() },
};

export const handler = withLambda(async (input: unknown) => detectDrift(input, deps));
