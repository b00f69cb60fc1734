import { snsClient } from '../clients';
import { dynamoClient } from '../dynamo-client';
import { requiredEnv } from '../env';
import { onceByKey } from '../once';
import { type Notification, publish } from './notify';

/** Publishes each notification (by key) at most once to NOTIFY_TOPIC_ARN. */
export const notifyOnceFromEnv = (scope: string) => {
  const sns = snsClient();
  const topicArn = requiredEnv('NOTIFY_TOPIC_ARN');
  return onceByKey(
    (n: Notification) => publish(sns, topicArn, n),
    { client: dynamoClient(), table: requiredEnv('STATE_TABLE') },
    scope,
  );
};
