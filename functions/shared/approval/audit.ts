import { PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { isAwsError } from '../errors';
import { type ApprovalRecord, type ApprovalStore, approvalKey as key } from './store';

/**
 * The audit trail of an approval: who viewed, decided or was refused, from where, when. Each
 * entry is its own item beside the approval record (same partition, `sk = audit#…`).
 */
export type AuditEntry = {
  at: string;
  action:
    | 'viewed'
    | 'approved'
    | 'rejected'
    | 'refused'
    | 'expired'
    | 'stopped'
    | 'superseded'
    | 'resent';
  approver?: string;
  sourceIp?: string;
  userAgent?: string;
  outcome: string;
};

/** Audit entries kept per approval; past this, views and refusals are only counted. */
export const MAX_AUDIT_ENTRIES = 200;

const clip = (value: string | undefined, max: number) =>
  value === undefined ? undefined : value.slice(0, max);

/**
 * Appends one audit entry as its own item beside the approval (`sk = audit#…`, same TTL as
 * the record), never inside the record or the execution's payload. Views and refusals stop
 * being stored past MAX_AUDIT_ENTRIES (they are then only counted in `auditDropped`);
 * decisions (`always`) are always stored — at most one per approver and outcome.
 */
export const appendAudit = async (
  store: ApprovalStore,
  record: Pick<ApprovalRecord, 'approvalId' | 'expiresAt'>,
  entry: AuditEntry,
  always = false,
) => {
  let seq: number;
  try {
    const { Attributes } = await store.dynamo.send(
      new UpdateCommand({
        TableName: store.table,
        Key: key(record.approvalId),
        UpdateExpression: 'ADD auditCount :one',
        ConditionExpression: always
          ? 'attribute_exists(pk)'
          : 'attribute_exists(pk) AND (attribute_not_exists(auditCount) OR auditCount < :max)',
        ExpressionAttributeValues: { ':one': 1, ...(always ? {} : { ':max': MAX_AUDIT_ENTRIES }) },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    seq = Number(Attributes?.auditCount);
  } catch (error) {
    if (!isAwsError(error, 'ConditionalCheckFailedException')) throw error;
    await store.dynamo.send(
      new UpdateCommand({
        TableName: store.table,
        Key: key(record.approvalId),
        UpdateExpression: 'ADD auditDropped :one',
        ExpressionAttributeValues: { ':one': 1 },
      }),
    );
    return;
  }
  await store.dynamo.send(
    new PutCommand({
      TableName: store.table,
      Item: {
        pk: key(record.approvalId).pk,
        sk: `audit#${String(seq).padStart(6, '0')}`,
        ...entry,
        approver: clip(entry.approver, 254),
        sourceIp: clip(entry.sourceIp, 64),
        userAgent: clip(entry.userAgent, 256),
        outcome: entry.outcome.slice(0, 300),
        expiresAt: record.expiresAt,
      },
    }),
  );
};

/** The audit trail of one approval, oldest first. */
export const listAudit = async (store: ApprovalStore, approvalId: string) => {
  const entries: (AuditEntry & { expiresAt: number })[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await store.dynamo.send(
      new QueryCommand({
        TableName: store.table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :audit)',
        ExpressionAttributeValues: { ':pk': key(approvalId).pk, ':audit': 'audit#' },
        ExclusiveStartKey: start,
      }),
    );
    entries.push(...((page.Items ?? []) as (AuditEntry & { expiresAt: number })[]));
    start = page.LastEvaluatedKey;
  } while (start);
  return entries;
};
