import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { classifyAwsError } from '../errors';
import type { ReceiptTag } from './send-once';

export type Notification = { key: string; subject: string; message: string };

/** Publishes a human summary to the notifications topic (subject ≤ 100 characters). */
export const publish = async (
  sns: SNSClient,
  topicArn: string,
  { subject, message }: Notification,
  receipt?: ReceiptTag,
) => {
  try {
    const { MessageId } = await sns.send(
      new PublishCommand({
        TopicArn: topicArn,
        Subject: subject.replace(/[\r\n]+/g, ' ').slice(0, 100),
        Message: message,
        ...(receipt ? { MessageAttributes: receiptAttributes(receipt) } : {}),
      }),
    );
    return { messageId: MessageId ?? null };
  } catch (error) {
    throw classifyAwsError(error, 'SNS Publish');
  }
};

/** The receipt tag as SNS message attributes (read back by record-notification-receipt). */
export const receiptAttributes = (receipt: ReceiptTag) => ({
  notificationScope: { DataType: 'String', StringValue: receipt.notificationScope },
  notificationKey: { DataType: 'String', StringValue: receipt.notificationKey },
});
