import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { signingKeyReader } from '../shared/approval/signing-key';
import { awsRegion, s3Client, sagemakerClient } from '../shared/clients';
import { documentClient } from '../shared/dynamo-client';
import { requiredEnv } from '../shared/env';
import { logger } from '../shared/logger';
import { withLambda } from '../shared/with-lambda';
import { type RequestApprovalInput, requestApproval } from './request-approval';

const deps = {
  store: { dynamo: documentClient(), table: requiredEnv('STATE_TABLE') },
  signingKey: signingKeyReader(
    new SecretsManagerClient({ region: awsRegion() }),
    requiredEnv('SIGNING_SECRET_ID'),
  ),
  // No SDK retries: an SNS standard topic cannot deduplicate, so a Publish whose answer was lost
  // would be sent again by each automatic retry (see shared/outcome/send-once.ts).
  sns: new SNSClient({ region: awsRegion(), maxAttempts: 1 }),
  s3: s3Client(),
  sagemaker: sagemakerClient(),
  logger,
  now: () => new Date(),
  config: {
    baseUrl: requiredEnv('APPROVAL_BASE_URL'),
    topicArn: requiredEnv('APPROVAL_TOPIC_ARN'),
  },
};

export const handler = withLambda((input: RequestApprovalInput) => requestApproval(input, deps));
