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
 * Sends a notification at most once per key, across Lambda retries, Step Functions retries,
 * redrives and lost answers. A claim record (`once#<scope>` / key) is written before the send
 * and marked SENT after it. The claim carries a random id per attempt, so an attempt whose own
 * write was applied but whose answer was lost (a retried PutItem that then fails its condition)
 * recognises its claim instead of waiting for itself.
 *
 * One window stays open, by nature of SNS standard topics: if Publish succeeded but its answer
 * was lost and the SENT mark could not be written either, a later attempt sends again once the
 * claim is stale. A claim is stale after `staleMs`, longer than any Lambda attempt can run.
 */
export type OnceStore = { dynamo: DynamoDBDocumentClient; table: string };

export type SendOnceOptions = {
  scope: string;
  key: string;
  now: () => number;
  /** Older SENDING claims belong to attempts that are over (Lambda timeout passed). */
  staleMs?: number;
  claimId?: string;
};

type OnceRecord = { status?: 'SENDING' | 'SENT'; claimId?: string; claimedAt?: number };

const DEFAULT_STALE_MS = 2 * 60_000;
const KEEP_DAYS = 90;

export const sendOnce = async <R>(
  store: OnceStore,
  options: SendOnceOptions,
  send: () => Promise<R>,
): Promise<{ sent: boolean }> => {
  const Key = { pk: `once#${options.scope}`, sk: options.key };
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
    await send();
  } catch (error) {
    // Not sent (or not known to be): give the claim up so the retry sends without waiting.
    await store.dynamo
      .send(
        new DeleteCommand({
          TableName: store.table,
          Key,
          ConditionExpression: 'claimId = :me',
          ExpressionAttributeValues: { ':me': claimId },
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
