import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { classifyAwsError, isAwsError } from './errors';
import type { StateStore } from './state-store';

/**
 * What start-pipeline knows of the registry, in the state table: the latest status of each
 * model package (so out-of-order events resolve to the later truth), the latest approved
 * version of each group (so older runs know they are superseded), and the executions
 * started for each package (so a rejection can stop them).
 */
export type PackageStatus = { status: string; statusTime: number; eventId?: string };

const packageKey = (arn: string) => ({ pk: `package#${arn}`, sk: 'status' });
const groupKey = (group: string) => ({ pk: `group#${group}`, sk: 'latest' });

/**
 * Records `status` at `statusTime` unless a later status is already known. Returns whether
 * it was applied, and the status that holds now. Equal times are applied (duplicates).
 */
export const recordPackageStatus = async (
  store: StateStore,
  arn: string,
  next: PackageStatus,
): Promise<{ applied: boolean; current: PackageStatus }> => {
  try {
    await store.dynamo.send(
      new UpdateCommand({
        TableName: store.table,
        Key: packageKey(arn),
        UpdateExpression: 'SET #s = :s, statusTime = :t, eventId = :e',
        ConditionExpression: 'attribute_not_exists(statusTime) OR statusTime <= :t',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: {
          ':s': next.status,
          ':t': next.statusTime,
          ':e': next.eventId ?? null,
        },
      }),
    );
    return { applied: true, current: next };
  } catch (error) {
    if (!isAwsError(error, 'ConditionalCheckFailedException'))
      throw classifyAwsError(error, 'recording the package status');
    const current = await getPackageStatus(store, arn);
    return { applied: false, current: current ?? next };
  }
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
