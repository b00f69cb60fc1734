import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { classifyAwsError, isAwsError } from '../errors';

/** One pending (or decided) approval. The task token never leaves this record. */
export type ApprovalRecord = {
  approvalId: string;
  status: 'PENDING' | 'APPROVED' | 'REJECTED' | 'EXPIRED';
  taskToken: string;
  executionArn: string;
  modelPackageArn: string;
  modelPackageGroupName: string;
  modelPackageVersion: number;
  approvers: string[];
  quorum: number;
  /** Epoch seconds. */
  expiresAt: number;
  createdAt: string;
  /** Everything the page shows: registry evidence, twin report, what approval will do. */
  evidence: Record<string, unknown>;
  approvals: { approver: string; at: string; comment?: string }[];
  decision?: {
    outcome: 'APPROVED' | 'REJECTED' | 'EXPIRED';
    by?: string;
    at: string;
    reason?: string;
  };
  audit: AuditEntry[];
};

export type AuditEntry = {
  at: string;
  action: 'viewed' | 'approved' | 'rejected' | 'refused' | 'expired';
  approver?: string;
  sourceIp?: string;
  userAgent?: string;
  outcome: string;
};

export type ApprovalStore = { dynamo: DynamoDBDocumentClient; table: string };

const key = (approvalId: string) => ({ pk: `approval#${approvalId}`, sk: 'approval' });

/** Where to find the approval an execution waits on (start-pipeline rejects it on a registry Rejected). */
export const approvalOfExecution = async (
  store: ApprovalStore,
  executionArn: string,
): Promise<string | undefined> => {
  try {
    const { Item } = await store.dynamo.send(
      new GetCommand({
        TableName: store.table,
        Key: { pk: `execution#${executionArn}`, sk: 'approval' },
        ConsistentRead: true,
      }),
    );
    return Item?.approvalId as string | undefined;
  } catch (error) {
    throw classifyAwsError(error, 'finding the approval of the execution');
  }
};

/**
 * Stores a new pending approval. Returns false when it already existed (a retry of the
 * same task): then only the task token is refreshed, so the newest token is the one used.
 */
export const putPendingApproval = async (
  store: ApprovalStore,
  record: ApprovalRecord,
): Promise<boolean> => {
  let created = true;
  try {
    await store.dynamo.send(
      new PutCommand({
        TableName: store.table,
        Item: { ...key(record.approvalId), ...record, ttl: record.expiresAt + 90 * 24 * 3600 },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  } catch (error) {
    if (!isAwsError(error, 'ConditionalCheckFailedException'))
      throw classifyAwsError(error, 'storing the approval');
    created = false;
  }
  try {
    if (!created) {
      await store.dynamo
        .send(
          new UpdateCommand({
            TableName: store.table,
            Key: key(record.approvalId),
            UpdateExpression: 'SET taskToken = :t',
            ConditionExpression: '#s = :pending',
            ExpressionAttributeNames: { '#s': 'status' },
            ExpressionAttributeValues: { ':t': record.taskToken, ':pending': 'PENDING' },
          }),
        )
        .catch((error: unknown) => {
          if (!isAwsError(error, 'ConditionalCheckFailedException')) throw error;
        });
    }
    await store.dynamo.send(
      new PutCommand({
        TableName: store.table,
        Item: {
          pk: `execution#${record.executionArn}`,
          sk: 'approval',
          approvalId: record.approvalId,
        },
      }),
    );
  } catch (error) {
    throw classifyAwsError(error, 'refreshing the approval');
  }
  return created;
};

export const getApproval = async (
  store: ApprovalStore,
  approvalId: string,
): Promise<ApprovalRecord | undefined> => {
  try {
    const { Item } = await store.dynamo.send(
      new GetCommand({ TableName: store.table, Key: key(approvalId), ConsistentRead: true }),
    );
    return Item as ApprovalRecord | undefined;
  } catch (error) {
    throw classifyAwsError(error, 'reading the approval');
  }
};

/**
 * PENDING → decided, once: the conditional write makes a decision single use. Returns false
 * when the approval was no longer pending (someone, or something, decided first).
 */
export const closeApproval = async (
  store: ApprovalStore,
  approvalId: string,
  decision: NonNullable<ApprovalRecord['decision']>,
): Promise<boolean> => {
  try {
    await store.dynamo.send(
      new UpdateCommand({
        TableName: store.table,
        Key: key(approvalId),
        UpdateExpression: 'SET #s = :status, decision = :d',
        ConditionExpression: '#s = :pending',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: {
          ':status': decision.outcome,
          ':d': decision,
          ':pending': 'PENDING',
        },
      }),
    );
    return true;
  } catch (error) {
    if (isAwsError(error, 'ConditionalCheckFailedException')) return false;
    throw classifyAwsError(error, 'closing the approval');
  }
};

/**
 * The execution no longer waits (its token expired or it was stopped): the approval is
 * EXPIRED whatever it was, and keeps a decision already recorded.
 */
export const expireApproval = async (store: ApprovalStore, approvalId: string, at: string) => {
  await store.dynamo.send(
    new UpdateCommand({
      TableName: store.table,
      Key: key(approvalId),
      UpdateExpression: 'SET #s = :expired, decision = if_not_exists(decision, :d)',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':expired': 'EXPIRED', ':d': { outcome: 'EXPIRED', at } },
    }),
  );
};

export const approvalKey = key;
