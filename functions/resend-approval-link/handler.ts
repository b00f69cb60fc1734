import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { type ApprovalMessage, notifyApproverOnce } from '../shared/approval/notice';
import { signingKeyReader } from '../shared/approval/signing-key';
import { awsRegion } from '../shared/clients';
import { systemClock } from '../shared/clock';
import { documentClient } from '../shared/dynamo-client';
import { requiredEnv } from '../shared/env';
import { logger } from '../shared/logger';
import { withLambda } from '../shared/with-lambda';
import { type ResendApprovalLinkInput, resendApprovalLink } from './resend-approval-link';

const topicArn = requiredEnv('APPROVAL_TOPIC_ARN');
// No SDK retries: an SNS standard topic cannot deduplicate (see shared/outcome/send-once.ts).
const sns = new SNSClient({ region: awsRegion(), maxAttempts: 1 });
const store = { dynamo: documentClient(), table: requiredEnv('STATE_TABLE') };

const deps = {
  store,
  signingKey: signingKeyReader(
    new SecretsManagerClient({ region: awsRegion() }),
    requiredEnv('SIGNING_SECRET_ID'),
  ),
  notifyApprover: (message: ApprovalMessage & { key: string }) =>
    notifyApproverOnce(store, sns, topicArn, message),
  logger,
  now: systemClock,
  config: { baseUrl: requiredEnv('APPROVAL_BASE_URL') },
};

export const handler = withLambda((input: ResendApprovalLinkInput) =>
  resendApprovalLink(input, deps),
);
