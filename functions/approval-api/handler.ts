import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { signingKeyReader } from '../shared/approval/signing-key';
import { awsRegion, sfnClient } from '../shared/clients';
import { documentClient } from '../shared/dynamo-client';
import { optionalEnv, requiredEnv } from '../shared/env';
import { logger } from '../shared/logger';
import { withLambda } from '../shared/with-lambda';
import { route } from './http';

const deps = {
  store: { dynamo: documentClient(), table: requiredEnv('STATE_TABLE') },
  sfn: sfnClient(),
  signingKey: signingKeyReader(
    new SecretsManagerClient({ region: awsRegion() }),
    requiredEnv('SIGNING_SECRET_ID'),
  ),
  logger,
  now: () => new Date(),
  requireLogin: optionalEnv('APPROVAL_REQUIRE_LOGIN') === 'true',
};

export const handler = withLambda((event: APIGatewayProxyEventV2WithJWTAuthorizer) =>
  route(event, deps),
);
