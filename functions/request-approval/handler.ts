import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PublishCommand } from '@aws-sdk/client-sns';
import { signingKeyReader } from '../shared/approval/signing-key';
import { awsRegion, snsClient } from '../shared/clients';
import { documentClient, dynamoClient } from '../shared/dynamo-client';
import { requiredEnv } from '../shared/env';
import { classifyAwsError } from '../shared/errors';
import { logger } from '../shared/logger';
import { onceByKey } from '../shared/once';
import { withLambda } from '../shared/with-lambda';
import {
  type ApprovalMessage,
  type RequestApprovalInput,
  requestApproval,
} from './request-approval';

const table = requiredEnv('STATE_TABLE');
const topicArn = requiredEnv('APPROVAL_TOPIC_ARN');
const sns = snsClient();

// One message per approver, with the `approver` attribute that their subscription filters on.
const sendToApprover = ({ approver, subject, text }: ApprovalMessage & { key: string }) =>
  sns
    .send(
      new PublishCommand({
        TopicArn: topicArn,
        Subject: subject.slice(0, 100),
        Message: text,
        MessageAttributes: { approver: { DataType: 'String', StringValue: approver } },
      }),
    )
    // Only plain values: the idempotency record stores what this returns.
    .then(({ MessageId }) => ({ messageId: MessageId ?? null }))
    .catch((error: unknown) => {
      throw classifyAwsError(error, 'SNS Publish');
    });

const deps = {
  store: { dynamo: documentClient(), table },
  signingKey: signingKeyReader(
    new SecretsManagerClient({ region: awsRegion() }),
    requiredEnv('SIGNING_SECRET_ID'),
  ),
  notifyApprover: onceByKey(sendToApprover, { client: dynamoClient(), table }, 'approval-notice'),
  postWebhook: async (url: string, body: unknown) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(5000),
    });
    if (!response.ok) throw new Error(`webhook answered ${response.status}`);
  },
  logger,
  now: () => new Date(),
  config: { baseUrl: requiredEnv('APPROVAL_BASE_URL') },
};

export const handler = withLambda((input: RequestApprovalInput) => requestApproval(input, deps));
