import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { verificationKeysReader } from '../shared/approval/signing-key';
import { awsRegion, s3Client, sfnClient } from '../shared/clients';
import { documentClient } from '../shared/dynamo-client';
import { requiredEnv } from '../shared/env';
import { logger } from '../shared/logger';
import { withLambda } from '../shared/with-lambda';
import { route } from './http';
import { reportLinker } from './report-link';

const deps = {
  store: { dynamo: documentClient(), table: requiredEnv('STATE_TABLE') },
  sfn: sfnClient(),
  signingKeys: verificationKeysReader(
    new SecretsManagerClient({ region: awsRegion() }),
    requiredEnv('SIGNING_SECRET_ID'),
  ),
  reportLink: reportLinker(s3Client()),
  logger,
  now: () => new Date(),
};

export const handler = withLambda((event: APIGatewayProxyEventV2) => route(event, deps));
