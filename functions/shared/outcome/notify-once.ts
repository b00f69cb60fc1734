import { SNSClient } from '@aws-sdk/client-sns';
import { awsRegion } from '../clients';
import { systemClock } from '../clock';
import { documentClient } from '../dynamo-client';
import { requiredEnv } from '../env';
import { type Notification, publish } from './notify';
import { sendOnce } from './send-once';

/** Publishes each notification (by key) at most once to NOTIFY_TOPIC_ARN (see sendOnce). */
export const notifyOnceFromEnv = (scope: string) => {
  // No SDK retries: an SNS standard topic cannot deduplicate, and a Publish whose answer was
  // lost after SNS accepted it would be sent again by every automatic retry. Step Functions
  // retries the task instead (TransientError), once per failure.
  const sns = new SNSClient({ region: awsRegion(), maxAttempts: 1 });
  const topicArn = requiredEnv('NOTIFY_TOPIC_ARN');
  const store = { dynamo: documentClient(), table: requiredEnv('STATE_TABLE') };
  return (n: Notification) =>
    sendOnce(store, { scope, key: n.key, now: systemClock }, (tag) =>
      publish(sns, topicArn, n, tag),
    );
};
