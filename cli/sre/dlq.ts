import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { DeleteMessageCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';

/**
 * The ingestion dead-letter queue: events start-pipeline could not process (Lambda's on-failure
 * destination records, with the error) or EventBridge could not deliver (the raw event).
 */
export type DeadLetter = {
  messageId: string;
  receiptHandle: string;
  sentAt?: string;
  receiveCount: number;
  event: unknown;
  eventId?: string;
  modelPackageArn?: string;
  status?: string;
  error?: string;
  reason?: string;
};

const parse = (body: string): Pick<DeadLetter, 'event' | 'error' | 'reason'> => {
  try {
    const record = JSON.parse(body);
    if (record?.requestPayload !== undefined) {
      return {
        event: record.requestPayload,
        error: record.responsePayload?.errorType ?? record.requestContext?.condition,
        reason: record.responsePayload?.errorMessage ?? record.requestContext?.condition,
      };
    }
    return { event: record, reason: 'EventBridge could not deliver it' };
  } catch {
    return { event: body, error: 'Unparseable', reason: 'the message is not JSON' };
  }
};

/**
 * Reads up to `max` messages without consuming them for long: each becomes visible again
 * after `visibilitySeconds` (0 = at once), so listing is safe.
 */
export const listDeadLetters = async (
  sqs: SQSClient,
  queueUrl: string,
  max = 100,
  visibilitySeconds = 0,
): Promise<DeadLetter[]> => {
  const letters: DeadLetter[] = [];
  const seen = new Set<string>();
  while (letters.length < max) {
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: Math.min(10, max - letters.length),
        VisibilityTimeout: visibilitySeconds,
        WaitTimeSeconds: 0,
        MessageSystemAttributeNames: ['SentTimestamp', 'ApproximateReceiveCount'],
      }),
    );
    const fresh = (Messages ?? []).filter((m) => m.MessageId && !seen.has(m.MessageId));
    if (fresh.length === 0) break;
    for (const m of fresh) {
      seen.add(m.MessageId!);
      const parsed = parse(m.Body ?? '');
      const event = parsed.event as {
        id?: string;
        detail?: { ModelPackageArn?: string; ModelApprovalStatus?: string };
      };
      letters.push({
        messageId: m.MessageId!,
        receiptHandle: m.ReceiptHandle!,
        sentAt: m.Attributes?.SentTimestamp
          ? new Date(Number(m.Attributes.SentTimestamp)).toISOString()
          : undefined,
        receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? 0),
        ...parsed,
        eventId: event?.id,
        modelPackageArn: event?.detail?.ModelPackageArn,
        status: event?.detail?.ModelApprovalStatus,
      });
    }
  }
  return letters;
};

/**
 * Re-delivers a dead letter's event into start-pipeline (synchronously, to know the outcome);
 * the message is deleted only when start-pipeline accepted it.
 */
export const replayDeadLetter = async (
  clients: { sqs: SQSClient; lambda: LambdaClient },
  queueUrl: string,
  functionName: string,
  letter: DeadLetter,
): Promise<{ messageId: string; ok: boolean; detail: string }> => {
  const answer = await clients.lambda.send(
    new InvokeCommand({
      FunctionName: functionName,
      InvocationType: 'RequestResponse',
      Payload: new TextEncoder().encode(JSON.stringify(letter.event)),
    }),
  );
  const text = answer.Payload ? new TextDecoder().decode(answer.Payload) : '';
  if (answer.FunctionError)
    return {
      messageId: letter.messageId,
      ok: false,
      detail: `still failing: ${text.slice(0, 300)}`,
    };
  await clients.sqs.send(
    new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: letter.receiptHandle }),
  );
  let decision = text;
  try {
    const parsed = JSON.parse(text);
    decision = `${parsed.decision}${parsed.executionName ? ` ${parsed.executionName}` : ''}${parsed.reason ? ` (${parsed.reason})` : ''}`;
  } catch {
    // keep the raw answer
  }
  return { messageId: letter.messageId, ok: true, detail: decision };
};
