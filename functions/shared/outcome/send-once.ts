import { randomUUID } from 'node:crypto';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../clock';
import { classifyAwsError, isAwsError, TransientError } from '../errors';

/**
 * Sends a notification once per key, across Lambda retries, Step Functions retries, redrives
 * and lost answers. A claim record (`once#<scope>` / key) is written before the send and marked
 * SENT after it. The claim carries a random id per attempt, so an attempt whose own write was
 * applied but whose answer was lost (a retried PutItem that then fails its condition)
 * recognises its claim instead of waiting for itself.
 *
 * SNS standard topics cannot deduplicate, and a Publish answered with a 5xx or a lost connection
 * may have been accepted. So every message carries its claim (`ReceiptTag`) as message
 * attributes, and our own subscription on each topic (record-notification-receipt) marks the
 * claim SENT when SNS delivers it. Whoever does not know whether a message went out waits for
 * that receipt before sending: the sender after an uncertain failure, and the next attempt when
 * it finds an earlier attempt's unsent claim (Step Functions runs a task's attempts one after
 * another, so that attempt has ended — it may have been cut off between Publish and the mark).
 * No clock is involved: what decides is whether SNS delivered the message.
 */
export type OnceStore = { dynamo: DynamoDBDocumentClient; table: string };

/** The message attributes that let the receipt subscription find the claim. */
export type ReceiptTag = { notificationScope: string; notificationKey: string };

export const receiptKey = ({ notificationScope, notificationKey }: ReceiptTag) => ({
  pk: `once#${notificationScope}`,
  sk: notificationKey,
});

export type SendOnceOptions = {
  scope: string;
  key: string;
  now: Clock;
  claimId?: string;
  /** How long to wait for the receipt of a message that may have been sent. */
  receiptWait?: { polls: number; intervalMs: number; sleep?: (ms: number) => Promise<void> };
};

type OnceRecord = { status?: 'SENDING' | 'SENT'; claimId?: string; claimedAt?: number };

// SNS delivers to a Lambda subscription within a second or so; 3 s covers a slow one.
const DEFAULT_RECEIPT_WAIT = { polls: 10, intervalMs: 300 };
export const KEEP_DAYS = 90;

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A failed send may have reached SNS when the answer was a 5xx or never came (timeout, lost
 * connection); a 4xx (throttling, validation, access) is refused before any effect.
 */
export const mayHaveBeenSent = (error: unknown): boolean => {
  for (let e = error; e; e = (e as { cause?: unknown }).cause) {
    const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status !== undefined) return status >= 500;
  }
  return true;
};

export const sendOnce = async <R>(
  store: OnceStore,
  options: SendOnceOptions,
  send: (tag: ReceiptTag) => Promise<R>,
): Promise<{ sent: boolean }> => {
  const tag = { notificationScope: options.scope, notificationKey: options.key };
  const Key = receiptKey(tag);
  const claimId = options.claimId ?? randomUUID();
  const read = async (): Promise<OnceRecord> => {
    try {
      const { Item } = await store.dynamo.send(
        new GetCommand({ TableName: store.table, Key, ConsistentRead: true }),
      );
      return (Item ?? {}) as OnceRecord;
    } catch (error) {
      throw classifyAwsError(error, `reading notification claim ${options.key}`);
    }
  };
  /** True once the receipt says SNS delivered the message (read errors count as "not yet"). */
  const receiptArrived = async () => {
    const wait = { ...DEFAULT_RECEIPT_WAIT, ...options.receiptWait };
    for (let poll = 0; poll < wait.polls; poll++) {
      await (wait.sleep ?? sleepFor)(wait.intervalMs);
      const now = await read().catch(() => ({}) as OnceRecord);
      if (now.status === 'SENT') return true;
    }
    return false;
  };

  const before = await read();
  if (before.status === 'SENT') return { sent: false };
  const earlier = before.status === 'SENDING' && before.claimId !== claimId;
  // An earlier attempt claimed it and ended unmarked: it may have sent it. Its receipt tells.
  if (earlier && (await receiptArrived())) return { sent: false };
  const at = options.now().getTime();
  try {
    await store.dynamo.send(
      new PutCommand({
        TableName: store.table,
        Item: {
          ...Key,
          status: 'SENDING',
          claimId,
          claimedAt: at,
          // DynamoDB TTL (epoch seconds): the records clean themselves up.
          expiresAt: Math.floor(at / 1000) + KEEP_DAYS * 86_400,
        },
        // Take the key if free, ours already, or still held by the earlier attempt we waited for.
        ConditionExpression: earlier
          ? 'claimId = :me OR (claimId = :earlier AND #s = :sending)'
          : 'attribute_not_exists(pk) OR claimId = :me',
        ...(earlier ? { ExpressionAttributeNames: { '#s': 'status' } } : {}),
        ExpressionAttributeValues: {
          ':me': claimId,
          ...(earlier ? { ':earlier': before.claimId, ':sending': 'SENDING' } : {}),
        },
      }),
    );
  } catch (error) {
    if (!isAwsError(error, 'ConditionalCheckFailedException')) {
      throw classifyAwsError(error, `claiming notification ${options.key}`);
    }
    const now = await read();
    if (now.status === 'SENT') return { sent: false };
    if (now.claimId !== claimId) {
      throw new TransientError(
        `notification ${options.key} is being sent by another attempt (claimed at ${new Date(now.claimedAt ?? 0).toISOString()})`,
      );
    }
  }

  try {
    await send(tag);
  } catch (error) {
    if (mayHaveBeenSent(error) && (await receiptArrived())) return { sent: true };
    // Not sent (or no receipt came): give the claim up so the retry sends without waiting.
    // Only while it is still ours and unsent: a late receipt may have marked it SENT.
    await store.dynamo
      .send(
        new DeleteCommand({
          TableName: store.table,
          Key,
          ConditionExpression: 'claimId = :me AND #s = :sending',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':me': claimId, ':sending': 'SENDING' },
        }),
      )
      .catch(() => undefined);
    throw error;
  }

  // The message is out. Mark it; should the mark fail, the receipt marks it as well.
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await store.dynamo.send(
        new UpdateCommand({
          TableName: store.table,
          Key,
          UpdateExpression: 'SET #s = :sent',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':sent': 'SENT' },
        }),
      );
      break;
    } catch {
      // retried; the receipt covers the last failure
    }
  }
  return { sent: true };
};
