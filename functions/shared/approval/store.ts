import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { classifyAwsError, isAwsError } from '../errors';

export type ApprovalStatus =
  | 'PENDING'
  | 'APPROVED'
  | 'REJECTED'
  | 'SUPERSEDED'
  | 'EXPIRED'
  | 'STOPPED';

/**
 * What resumes the waiting execution: written in the same conditional write as the decision
 * (an outbox), and sent until Step Functions has taken it (`resumedAt`).
 */
export type TaskMessage =
  | { kind: 'success'; output: string }
  | { kind: 'failure'; error: string; cause: string };

/** One pending (or decided) approval. The task token never leaves this record. */
export type ApprovalRecord = {
  approvalId: string;
  status: ApprovalStatus;
  taskToken: string;
  executionArn: string;
  modelPackageArn: string;
  modelPackageGroupName: string;
  modelPackageVersion: number;
  approvers: string[];
  quorum: number;
  /** Epoch seconds: decide before this (the approval task's timeout). */
  deadline: number;
  /**
   * Epoch seconds: the state table's TTL attribute (serverless.yml TimeToLiveSpecification),
   * the deadline plus `approval.retentionDays`, so the record and its audit outlive the deadline.
   */
  expiresAt: number;
  createdAt: string;
  /** Everything the page shows: registry evidence, twin report, what approval will do. */
  evidence: Record<string, unknown>;
  approvals: { approver: string; at: string; comment?: string }[];
  decision?: {
    outcome: ApprovalStatus;
    by?: string;
    at: string;
    reason?: string;
  };
  outbox?: TaskMessage;
  /** When Step Functions took the decision: the execution resumed. */
  resumedAt?: string;
  delivery?: { attempts: number; lastError: string; lastAttemptAt: string };
  /** Audit entries stored (beside the record, see appendAudit) and refused past the bound. */
  auditCount?: number;
  auditDropped?: number;
};

export type ApprovalStore = { dynamo: DynamoDBDocumentClient; table: string };

const key = (approvalId: string) => ({ pk: `approval#${approvalId}`, sk: 'approval' });

/** Records written before `deadline` existed kept the deadline in `expiresAt`. */
export const deadlineOf = (record: ApprovalRecord): number => record.deadline ?? record.expiresAt;

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
        Item: { ...key(record.approvalId), ...record },
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
          expiresAt: record.expiresAt,
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
 * PENDING → decided, once: the conditional write makes a decision single use, and carries
 * the message that resumes the execution (`outbox`), so a decision is never recorded without
 * what makes it take effect. Returns false when the approval was no longer pending.
 */
export const closeApproval = async (
  store: ApprovalStore,
  approvalId: string,
  decision: NonNullable<ApprovalRecord['decision']>,
  outbox?: TaskMessage,
): Promise<boolean> => {
  try {
    await store.dynamo.send(
      new UpdateCommand({
        TableName: store.table,
        Key: key(approvalId),
        UpdateExpression: `SET #s = :status, decision = :d${outbox ? ', outbox = :o' : ''}`,
        ConditionExpression: '#s = :pending',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: {
          ':status': decision.outcome,
          ':d': decision,
          ':pending': 'PENDING',
          ...(outbox ? { ':o': outbox } : {}),
        },
      }),
    );
    return true;
  } catch (error) {
    if (isAwsError(error, 'ConditionalCheckFailedException')) return false;
    throw classifyAwsError(error, 'closing the approval');
  }
};

/** Step Functions took the decision: the execution resumed (first confirmation wins). */
export const markResumed = async (store: ApprovalStore, approvalId: string, at: string) => {
  await store.dynamo.send(
    new UpdateCommand({
      TableName: store.table,
      Key: key(approvalId),
      UpdateExpression: 'SET resumedAt = if_not_exists(resumedAt, :at) REMOVE delivery',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':at': at },
    }),
  );
};

/** A send that did not go through: counted and explained, for the page and the watchdog. */
export const recordDeliveryFailure = async (
  store: ApprovalStore,
  record: ApprovalRecord,
  lastError: string,
  at: string,
) => {
  await store.dynamo.send(
    new UpdateCommand({
      TableName: store.table,
      Key: key(record.approvalId),
      UpdateExpression: 'SET delivery = :d',
      ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(resumedAt)',
      ExpressionAttributeValues: {
        ':d': {
          attempts: (record.delivery?.attempts ?? 0) + 1,
          lastError: lastError.slice(0, 500),
          lastAttemptAt: at,
        },
      },
    }),
  );
};

/**
 * The execution no longer waits (its task timed out, or it was stopped): the approval is
 * EXPIRED or STOPPED whatever it was, and keeps a decision already recorded.
 */
export const endApproval = async (
  store: ApprovalStore,
  approvalId: string,
  status: 'EXPIRED' | 'STOPPED',
  at: string,
  reason?: string,
) => {
  await store.dynamo.send(
    new UpdateCommand({
      TableName: store.table,
      Key: key(approvalId),
      UpdateExpression: 'SET #s = :status, decision = if_not_exists(decision, :d)',
      ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(resumedAt)',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: {
        ':status': status,
        ':d': { outcome: status, at, ...(reason ? { reason: reason.slice(0, 500) } : {}) },
      },
    }),
  );
};

/** Kept for start-pipeline and older callers. */
export const expireApproval = (store: ApprovalStore, approvalId: string, at: string) =>
  endApproval(store, approvalId, 'EXPIRED', at);

export const approvalKey = key;
