import { greengrassClient } from '../shared/clients';
import { arnContextFromEnv } from '../shared/greengrass/arn-context';
import { logger } from '../shared/logger';
import { withLambda } from '../shared/with-lambda';
import {
  type RegisterModelComponentInput,
  registerModelComponent,
} from './register-model-component';

const greengrass = greengrassClient();
const arnContext = arnContextFromEnv();

export const handler = withLambda((input: RegisterModelComponentInput) =>
  registerModelComponent(input, { greengrass, logger, arnContext }),
);
