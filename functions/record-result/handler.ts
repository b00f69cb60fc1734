import { s3Client, sagemakerClient } from '../shared/clients';
import { systemClock } from '../shared/clock';
import { baselineOf } from '../shared/drift-baseline';
import { documentClient } from '../shared/dynamo-client';
import { requiredEnv } from '../shared/env';
import { logger } from '../shared/logger';
import { notifyOnceFromEnv } from '../shared/outcome/notify-once';
import { stageConfigFromEnv } from '../shared/stage-config/from-env';
import { withLambda } from '../shared/with-lambda';
import { type RecordResultInput, recordResult } from './record-result';

const sagemaker = sagemakerClient();
const stageConfig = stageConfigFromEnv();
const baselines = {
  sagemaker,
  s3: s3Client(),
  store: { dynamo: documentClient(), table: requiredEnv('STATE_TABLE') },
};

const deps = {
  sagemaker,
  notifyOnce: notifyOnceFromEnv('record-result'),
  logger,
  now: systemClock,
  driftBaseline: async (modelGroup: string, version: number) => {
    const monitoring = stageConfig.modelGroups[modelGroup]?.monitoring;
    return monitoring
      ? baselineOf(baselines, modelGroup, version, monitoring.baselineUri)
      : undefined;
  },
};

export const handler = withLambda((input: RecordResultInput) => recordResult(input, deps));
