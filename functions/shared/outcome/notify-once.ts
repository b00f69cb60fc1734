import { snsClient } from '../clients';
import { documentClient } from '../dynamo-client';
import { requiredEnv } from '../env';
import { type Notification, publish } from './notify';
import { sendOnce } from './send-once';

/** Publishes each notification (by key) at most once to NOTIFY_TOPIC_ARN (see sendOnce). */
export const notifyOnceFromEnv = (scope: string) => {
  const sns = snsClient();
  const topicArn = requiredEnv('NOTIFY_TOPIC_ARN');
  const store = { dynamo: documentClient(), table: requiredEnv('STATE_TABLE') };
  return (n: Notification) =>
    sendOnce(store, { scope, key: n.key, now: () => Date.now() }, () => publish(sns, topicArn, n));
};
