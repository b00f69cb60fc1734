import { greengrassClient } from '../shared/clients';
import { arnContextFromEnv } from '../shared/greengrass/arn-context';
import { logger } from '../shared/logger';
import { withLambda } from '../shared/with-lambda';
import {
  type RegisterInferenceComponentInput,
  registerInferenceComponent,
} from './register-inference-component';

const greengrass = greengrassClient();
const arnContext = arnContextFromEnv();

export const handler = withLambda((input: RegisterInferenceComponentInput) =>
  registerInferenceComponent(input, { greengrass, logger, arnContext }),
);
