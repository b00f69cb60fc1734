import { randomUUID } from 'node:crypto';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { classifyAwsError, isAwsError, TransientError } from '../errors';

/**
 * Sends a notification once per key, across Lambda retries, Step Functions retries, redrives
 * and lost answers. A claim record (`once#<scope>` / key) is written before the send and marked
 * SENT after it. The claim carries a random id per attempt, so an attempt whose own write was
 * applied but whose answer was lost (a retried PutItem that then fails its condition) recognises
 * its claim instead of waiting for itself.
 *
 * SNS standard topics cannot deduplicate, and a Publish answered with a 5xx or a lost connection
 * may have been accepted. So every message carries its claim (`receiptTag`) as message
 * attributes, and our own subscription on each topic (record-notification-receipt) marks the
 * claim SENT when SNS delivers it. After an uncertain failure the sender waits for that receipt
 * before it gives the claim up: a message SNS accepted is never sent again, unless its receipt
 * arrives later than the wait and the next attempt's own read (documented in docs/events.md).
 * A claim is stale after `staleMs`, longer than any Lambda attempt can run.
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
  now: () => number;
  /** Older SENDING claims belong to attempts that are over (Lambda timeout passed). */
  staleMs?: number;
  claimId?: string;
  /** How long to wait for the receipt of a send whose outcome is unknown. */
  receiptWait?: { polls: number; intervalMs: number; sleep?: (ms: number) => Promise<void> };
};

type OnceRecord = { status?: 'SENDING' | 'SENT'; claimId?: string; claimedAt?: number };

const DEFAULT_STALE_MS = 2 * 60_000;
const DEFAULT_RECEIPT_WAIT = { polls: 10, intervalMs: 500 };
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
  const stale = options.staleMs ?? DEFAULT_STALE_MS;
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

  const before = await read();
  if (before.status === 'SENT') return { sent: false };
  const at = options.now();
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
        ConditionExpression:
          'attribute_not_exists(pk) OR claimId = :me OR (#s = :sending AND claimedAt < :stale)',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':me': claimId, ':sending': 'SENDING', ':stale': at - stale },
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
    if (mayHaveBeenSent(error)) {
      const wait = { ...DEFAULT_RECEIPT_WAIT, ...options.receiptWait };
      for (let poll = 0; poll < wait.polls; poll++) {
        await (wait.sleep ?? sleepFor)(wait.intervalMs);
        const now = await read().catch(() => ({}) as OnceRecord);
        if (now.status === 'SENT') return { sent: true };
      }
    }
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

  // The message is out: try hard to record it, or a later attempt could send it again.
  let lastError: unknown;
  for (let attempt = 0; attempt < 4; attempt++) {
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
      return { sent: true };
    } catch (error) {
      lastError = error;
    }
  }
  throw classifyAwsError(lastError, `marking notification ${options.key} sent`);
};
