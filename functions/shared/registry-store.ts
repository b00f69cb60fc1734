import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { writeIf } from './conditional-write';
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
  | {
      applied: true;
      current: PackageStatus;
      /** The status changed (into Approved, into Rejected, …). */
      transition: boolean;
      /** The same event as the one recorded before: a retry of an attempt that failed. */
      retry: boolean;
    };

/**
 * Records `status` at `statusTime` unless a later status is already known (equal times are
 * applied: duplicates). A *transition* is a change of status; only transitions act. An
 * Approved that is a transition stores `approval` with it, atomically; a later event with
 * the same status (a duplicate with another event id, or the registry's event for a
 * metadata-only update such as our own outcome write) keeps the approval that holds and is
 * no transition, so it can never start a second execution or a second rollback.
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
  const update = async (
    expression: string,
    condition: string,
    extra: Record<string, unknown>,
    returnValues: 'ALL_NEW' | 'ALL_OLD',
  ) => {
    try {
      const { Attributes } = await store.dynamo.send(
        new UpdateCommand({
          TableName: store.table,
          Key: packageKey(arn),
          UpdateExpression: expression,
          ConditionExpression: condition,
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ...values, ...extra },
          ReturnValues: returnValues,
        }),
      );
      return (Attributes ?? {}) as PackageStatus;
    } catch (error) {
      if (isAwsError(error, 'ConditionalCheckFailedException')) return undefined;
      throw classifyAwsError(error, 'recording the package status');
    }
  };

  // A change of status; into Approved it records the approval it starts …
  const changed =
    next.status === 'Approved'
      ? await update(
          'SET #s = :s, statusTime = :t, eventId = :e, approval = :a',
          `${notLater} AND (attribute_not_exists(#s) OR #s <> :s)`,
          { ':a': next.approval ?? null },
          'ALL_NEW',
        )
      : await update(
          'SET #s = :s, statusTime = :t, eventId = :e REMOVE approval',
          `${notLater} AND (attribute_not_exists(#s) OR #s <> :s)`,
          {},
          'ALL_NEW',
        );
  if (changed) return { applied: true, current: changed, transition: true, retry: false };
  // … or the same status again: what holds (the approval included) stays.
  const before = await update(
    'SET statusTime = :t, eventId = :e',
    `${notLater} AND #s = :s`,
    {},
    'ALL_OLD',
  );
  if (before) {
    return {
      applied: true,
      current: { ...before, statusTime: next.statusTime, eventId: next.eventId },
      transition: false,
      retry: before.eventId !== undefined && before.eventId === next.eventId,
    };
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
  const raised = await writeIf(
    () =>
      store.dynamo.send(
        new UpdateCommand({
          TableName: store.table,
          Key: groupKey(group),
          UpdateExpression: 'SET latestVersion = :v, latestArn = :a',
          ConditionExpression: 'attribute_not_exists(latestVersion) OR latestVersion <= :v',
          ExpressionAttributeValues: { ':v': version, ':a': arn },
        }),
      ),
    'recording the latest approval',
  );
  return raised ? version : ((await getLatestVersion(store, group)) ?? version);
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
