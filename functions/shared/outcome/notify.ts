import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { classifyAwsError } from '../errors';

export type Notification = { key: string; subject: string; message: string };

/** Publishes a human summary to the notifications topic (subject ≤ 100 characters). */
export const publish = async (
  sns: SNSClient,
  topicArn: string,
  { subject, message }: Notification,
) => {
  try {
    const { MessageId } = await sns.send(
      new PublishCommand({
        TopicArn: topicArn,
        Subject: subject.replace(/[\r\n]+/g, ' ').slice(0, 100),
        Message: message,
      }),
    );
    return { messageId: MessageId ?? null };
  } catch (error) {
    throw classifyAwsError(error, 'SNS Publish');
  }
};
