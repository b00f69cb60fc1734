import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { classifyAwsError, isAwsError } from './errors';
import type { StateStore } from './state-store';

/**
 * What start-pipeline knows of the registry, in the state table: the latest status of each
 * model package (so out-of-order events resolve to the later truth), the latest approved
 * version of each group (so older runs know they are superseded), and the executions
 * started for each package (so a rejection can stop them).
 */
export type PackageStatus = {
  status: string;
  statusTime: number;
  eventId?: string;
  /** The approval that holds: set when the package entered Approved, kept while it stays so. */
  approval?: Approval;
};

/** What identifies one approval: the execution it starts, and when it was approved. */
export type Approval = { executionName: string; approvedAt: number };

const packageKey = (arn: string) => ({ pk: `package#${arn}`, sk: 'status' });
const groupKey = (group: string) => ({ pk: `group#${group}`, sk: 'latest' });

/** A recorded time this far ahead of now can only be a bad event stored before times were checked. */
const IMPLAUSIBLE_AHEAD_MS = 24 * 3_600_000;

export type RecordedStatus =
  | { applied: false; current: PackageStatus }
  | { applied: true; current: PackageStatus; transition: boolean };

/**
 * Records `status` at `statusTime` unless a later status is already known (equal times are
 * applied: duplicates). An Approved is a *transition* only when the package was not already
 * Approved: then `approval` is stored with it, atomically. A later Approved (a duplicate
 * with another event id, or the registry's event for a metadata-only update) keeps the
 * approval that holds, so it can never start a second execution.
 *
 * A stored time far in the future (written before event times were bounded) does not block
 * anything: it is overwritten.
 */
export const recordPackageStatus = async (
  store: StateStore,
  arn: string,
  next: PackageStatus,
  now: number = Date.now(),
): Promise<RecordedStatus> => {
  const notLater =
    '(attribute_not_exists(statusTime) OR statusTime <= :t OR statusTime > :implausible)';
  const values = {
    ':s': next.status,
    ':t': next.statusTime,
    ':e': next.eventId ?? null,
    ':implausible': now + IMPLAUSIBLE_AHEAD_MS,
  };
  const update = async (expression: string, condition: string, extra: Record<string, unknown>) => {
    try {
      const { Attributes } = await store.dynamo.send(
        new UpdateCommand({
          TableName: store.table,
          Key: packageKey(arn),
          UpdateExpression: expression,
          ConditionExpression: condition,
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ...values, ...extra },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return Attributes as PackageStatus;
    } catch (error) {
      if (isAwsError(error, 'ConditionalCheckFailedException')) return undefined;
      throw classifyAwsError(error, 'recording the package status');
    }
  };

  if (next.status !== 'Approved') {
    const current = await update(
      'SET #s = :s, statusTime = :t, eventId = :e REMOVE approval',
      notLater,
      {},
    );
    if (current) return { applied: true, current, transition: current.status !== 'Approved' };
  } else {
    // Into Approved: a transition, which records the approval it starts …
    const entered = await update(
      'SET #s = :s, statusTime = :t, eventId = :e, approval = :a',
      `${notLater} AND (attribute_not_exists(#s) OR #s <> :s)`,
      { ':a': next.approval ?? null },
    );
    if (entered) return { applied: true, current: entered, transition: true };
    // … or Approved again: the approval that holds stays.
    const again = await update('SET statusTime = :t, eventId = :e', `${notLater} AND #s = :s`, {});
    if (again) return { applied: true, current: again, transition: false };
  }
  const current = await getPackageStatus(store, arn);
  return { applied: false, current: current ?? next };
};

export const getPackageStatus = async (
  store: StateStore,
  arn: string,
): Promise<PackageStatus | undefined> => {
  try {
    const { Item } = await store.dynamo.send(
      new GetCommand({ TableName: store.table, Key: packageKey(arn), ConsistentRead: true }),
    );
    return Item as PackageStatus | undefined;
  } catch (error) {
    throw classifyAwsError(error, 'reading the package status');
  }
};

/** Raises the group's latest approved version to `version` if it is not lower; returns the latest. */
export const advanceLatestVersion = async (
  store: StateStore,
  group: string,
  version: number,
  arn: string,
): Promise<number> => {
  try {
    await store.dynamo.send(
      new UpdateCommand({
        TableName: store.table,
        Key: groupKey(group),
        UpdateExpression: 'SET latestVersion = :v, latestArn = :a',
        ConditionExpression: 'attribute_not_exists(latestVersion) OR latestVersion <= :v',
        ExpressionAttributeValues: { ':v': version, ':a': arn },
      }),
    );
    return version;
  } catch (error) {
    if (!isAwsError(error, 'ConditionalCheckFailedException'))
      throw classifyAwsError(error, 'recording the latest approval');
    return (await getLatestVersion(store, group)) ?? version;
  }
};

export const getLatestVersion = async (
  store: StateStore,
  group: string,
): Promise<number | undefined> => {
  try {
    const { Item } = await store.dynamo.send(
      new GetCommand({ TableName: store.table, Key: groupKey(group), ConsistentRead: true }),
    );
    return Item?.latestVersion as number | undefined;
  } catch (error) {
    throw classifyAwsError(error, 'reading the latest approval');
  }
};

export const recordExecution = async (store: StateStore, arn: string, executionArn: string) => {
  try {
    await store.dynamo.send(
      new PutCommand({
        TableName: store.table,
        Item: { pk: `package#${arn}`, sk: `execution#${executionArn}`, executionArn },
      }),
    );
  } catch (error) {
    throw classifyAwsError(error, 'recording the execution');
  }
};

export const executionsOf = async (store: StateStore, arn: string): Promise<string[]> => {
  const arns: string[] = [];
  let start: Record<string, unknown> | undefined;
  try {
    do {
      const page = await store.dynamo.send(
        new QueryCommand({
          TableName: store.table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :e)',
          ExpressionAttributeValues: { ':pk': `package#${arn}`, ':e': 'execution#' },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) arns.push(String(item.executionArn));
      start = page.LastEvaluatedKey;
    } while (start);
  } catch (error) {
    throw classifyAwsError(error, 'listing the executions of the package');
  }
  return arns;
};
