import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { publishApprovalNotice } from '../shared/approval/notice';
import { signingKeyReader } from '../shared/approval/signing-key';
import { awsRegion } from '../shared/clients';
import { systemClock } from '../shared/clock';
import { documentClient } from '../shared/dynamo-client';
import { requiredEnv } from '../shared/env';
import { logger } from '../shared/logger';
import { sendOnce } from '../shared/outcome/send-once';
import { withLambda } from '../shared/with-lambda';
import {
  type ApprovalMessage,
  type RequestApprovalInput,
  requestApproval,
} from './request-approval';

const table = requiredEnv('STATE_TABLE');
const topicArn = requiredEnv('APPROVAL_TOPIC_ARN');
// No SDK retries: an SNS standard topic cannot deduplicate, so a Publish whose answer was lost
// would be sent again by each automatic retry (see shared/outcome/send-once.ts).
const sns = new SNSClient({ region: awsRegion(), maxAttempts: 1 });
const store = { dynamo: documentClient(), table };

const deps = {
  store,
  signingKey: signingKeyReader(
    new SecretsManagerClient({ region: awsRegion() }),
    requiredEnv('SIGNING_SECRET_ID'),
  ),
  notifyApprover: (message: ApprovalMessage & { key: string }) =>
    sendOnce(store, { scope: 'approval-notice', key: message.key, now: systemClock }, (tag) =>
      publishApprovalNotice(sns, topicArn)(message, tag),
    ),
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
