import type { Logger } from '@aws-lambda-powertools/logger';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { SNSEvent } from 'aws-lambda';
import type { Clock } from '../shared/clock';
import { classifyAwsError } from '../shared/errors';
import { KEEP_DAYS, type ReceiptTag, receiptKey } from '../shared/outcome/send-once';

export type RecordReceiptDeps = {
  store: { dynamo: DynamoDBDocumentClient; table: string };
  logger: Pick<Logger, 'warn' | 'info'>;
  now: Clock;
};

const tagOf = (record: SNSEvent['Records'][number]): ReceiptTag | undefined => {
  const attributes = record.Sns.MessageAttributes ?? {};
  const notificationScope = attributes.notificationScope?.Value;
  const notificationKey = attributes.notificationKey?.Value;
  return notificationScope && notificationKey ? { notificationScope, notificationKey } : undefined;
};

/**
 * SNS delivered a message we published: its claim is SENT, whatever the sender heard back.
 * The sender of a Publish whose answer was lost reads this receipt instead of sending again
 * (shared/outcome/send-once.ts). Idempotent: SNS may deliver a message more than once.
 */
export const recordReceipts = async (event: SNSEvent, deps: RecordReceiptDeps) => {
  let recorded = 0;
  for (const record of event.Records ?? []) {
    const tag = tagOf(record);
    if (!tag) {
      // The subscription's filter policy only lets tagged messages through; say so if not.
      deps.logger.warn('message without a notification receipt tag ignored', {
        messageId: record.Sns?.MessageId,
        topicArn: record.Sns?.TopicArn,
      });
      continue;
    }
    const at = deps.now().getTime();
    try {
      await deps.store.dynamo.send(
        new UpdateCommand({
          TableName: deps.store.table,
          Key: receiptKey(tag),
          UpdateExpression:
            'SET #s = :sent, receiptMessageId = :id, receivedAt = :at, expiresAt = if_not_exists(expiresAt, :expires)',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: {
            ':sent': 'SENT',
            ':id': record.Sns.MessageId,
            ':at': at,
            ':expires': Math.floor(at / 1000) + KEEP_DAYS * 86_400,
          },
        }),
      );
    } catch (error) {
      // Lambda retries the asynchronous invocation; the update is idempotent.
      throw classifyAwsError(error, `recording the receipt of ${tag.notificationKey}`);
    }
    recorded++;
  }
  deps.logger.info('notification receipts recorded', { recorded });
  return { recorded };
};
