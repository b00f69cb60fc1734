import { greengrassClient, s3Client } from '../shared/clients';
import { arnContextFromEnv } from '../shared/greengrass/arn-context';
import { logger } from '../shared/logger';
import { clientsForTargets } from '../shared/target-clients';
import { withLambda } from '../shared/with-lambda';
import {
  type RegisterInferenceComponentInput,
  registerInferenceComponent,
} from './register-inference-component';

const greengrass = greengrassClient();
const s3 = s3Client();
const arnContext = arnContextFromEnv();
// Accounts that deploy the component register it too, through their deployer role.
const clientsFor = clientsForTargets();
const greengrassFor = (roleArn: string) => clientsFor(roleArn).greengrass;

export const handler = withLambda((input: RegisterInferenceComponentInput) =>
  registerInferenceComponent(input, { greengrass, greengrassFor, logger, arnContext, s3 }),
);
