import { sagemakerClient } from '../shared/clients';
import { requiredEnv } from '../shared/env';
import { logger } from '../shared/logger';
import { stageConfigFromEnv } from '../shared/stage-config/from-env';
import { withLambda } from '../shared/with-lambda';
import { type ResolveModelInput, resolveModel } from './resolve-model';

const sagemaker = sagemakerClient();
const config = {
  stage: requiredEnv('STAGE'),
  stageConfig: stageConfigFromEnv(),
  artifactBucket: requiredEnv('ARTIFACT_BUCKET'),
  neoRoleArn: requiredEnv('NEO_ROLE_ARN'),
};

export const handler = withLambda((input: ResolveModelInput) =>
  resolveModel(input, { sagemaker, logger, config }),
);
