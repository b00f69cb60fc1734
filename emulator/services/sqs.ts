import { createHash } from 'node:crypto';
import { AwsError } from '../http';
import type { SqsMessage, World } from '../world';

/** Amazon SQS (AWS JSON 1.0): the dead-letter queue of start-pipeline. */
const VISIBILITY_MS = 30_000;
/**
 * A queue's MaximumMessageSize: 262,144 bytes (256 KiB) unless set (SQS allows up to 1 MiB
 * when it is; SQS API reference, CreateQueue / SetQueueAttributes). Ours is not set. AWS
 * answers a larger message with InvalidParameterValue, "Message must be shorter than 262144 bytes."
 */
export const MAX_MESSAGE_BYTES = 262_144;

export const queueNameOf = (urlOrArn: string) => urlOrArn.split(/[/:]/).pop() ?? '';

export const sqs = (world: World) => {
  const queue = (url: string | undefined) => {
    const q = world.queues.get(queueNameOf(url ?? ''));
    if (!q)
      throw new AwsError(
        'AWS.SimpleQueueService.NonExistentQueue',
        'The specified queue does not exist.',
      );
    return q;
  };
  return {
    SendMessage: async (body: { QueueUrl?: string; MessageBody?: string }) => {
      if (Buffer.byteLength(body.MessageBody ?? '', 'utf8') > MAX_MESSAGE_BYTES) {
        throw new AwsError(
          'InvalidParameterValue',
          `One or more parameters are invalid. Reason: Message must be shorter than ${MAX_MESSAGE_BYTES} bytes.`,
        );
      }
      const message: SqsMessage = {
        id: crypto.randomUUID(),
        body: body.MessageBody ?? '',
        visibleAt: 0,
        sentAt: world.clock.now(),
        receiveCount: 0,
      };
      queue(body.QueueUrl).push(message);
      return {
        MessageId: message.id,
        MD5OfMessageBody: createHash('md5').update(message.body).digest('hex'),
      };
    },
    ReceiveMessage: async (body: {
      QueueUrl?: string;
      MaxNumberOfMessages?: number;
      VisibilityTimeout?: number;
    }) => {
      const now = world.clock.now();
      const ready = queue(body.QueueUrl)
        .filter((m) => m.visibleAt <= now)
        .slice(0, Math.min(10, body.MaxNumberOfMessages ?? 1));
      for (const m of ready) {
        m.receipt = crypto.randomUUID();
        m.receiveCount++;
        m.visibleAt = now + (body.VisibilityTimeout ?? VISIBILITY_MS / 1000) * 1000;
      }
      return {
        Messages: ready.map((m) => ({
          MessageId: m.id,
          ReceiptHandle: m.receipt,
          Body: m.body,
          // The SDK checks the body against this digest.
          MD5OfBody: createHash('md5').update(m.body).digest('hex'),
          Attributes: {
            SentTimestamp: String(m.sentAt),
            ApproximateReceiveCount: String(m.receiveCount),
          },
        })),
      };
    },
    DeleteMessage: async (body: { QueueUrl?: string; ReceiptHandle?: string }) => {
      const q = queue(body.QueueUrl);
      const i = q.findIndex((m) => m.receipt === body.ReceiptHandle);
      if (i < 0)
        throw new AwsError('ReceiptHandleIsInvalid', 'The input receipt handle is invalid.');
      q.splice(i, 1);
      return {};
    },
    GetQueueAttributes: async (body: { QueueUrl?: string }) => ({
      Attributes: { ApproximateNumberOfMessages: String(queue(body.QueueUrl).length) },
    }),
    // A queue URL, as AWS answers (`https://sqs.<region>.amazonaws.com/<account>/<name>`; SQS
    // API reference, GetQueueUrl), here on the emulator's own address: an SQS client without an
    // explicit endpoint (AWS_ENDPOINT_URL) sends each request to the host of the queue URL
    // (@aws-sdk/middleware-sdk-sqs, useQueueUrlAsEndpoint) and cannot use a bare name.
    GetQueueUrl: async (body: { QueueName?: string }, request?: { origin: string }) => {
      queue(body.QueueName);
      return { QueueUrl: `${request?.origin ?? ''}/${world.account}/${body.QueueName}` };
    },
  };
};
