import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { writeIf } from './conditional-write';
import { classifyAwsError, FleetBusy } from './errors';
import type { ComponentMap } from './greengrass/deployments';

/**
 * The state table (one DynamoDB table, `pk`/`sk`): the few facts that must survive
 * executions and be changed atomically: fleet leases and the last good release of each
 * fleet. (Once-only notifications keep claim records in the same table: outcome/send-once.ts.)
 */
export type StateStore = { dynamo: DynamoDBDocumentClient; table: string };

export type Release = {
  modelPackageArn: string;
  modelPackageVersion: number;
  components: ComponentMap;
  executionArn: string;
  at: string;
};

export type FleetRecord = {
  lastGood?: Release;
  previousGood?: Release;
  leaseHolder?: string;
  leaseExpiresAt?: number;
};

const fleetKey = (group: string, fleet: string) => ({ pk: `fleet#${group}#${fleet}`, sk: 'state' });

export const getFleetRecord = async (
  store: StateStore,
  group: string,
  fleet: string,
): Promise<FleetRecord> => {
  try {
    const { Item } = await store.dynamo.send(
      new GetCommand({ TableName: store.table, Key: fleetKey(group, fleet), ConsistentRead: true }),
    );
    return (Item ?? {}) as FleetRecord;
  } catch (error) {
    throw classifyAwsError(error, `reading fleet ${fleet}`);
  }
};

/**
 * Takes the fleet's rollout lease for `holder` (an execution ARN) until `expiresAt`
 * (epoch ms). Granted when nobody holds it, when `holder` already does (a retry), or
 * when the holder's lease expired (a crashed run cannot block a fleet forever).
 * Otherwise `FleetBusy`, which the state machine retries.
 */
export const acquireFleetLease = async (
  store: StateStore,
  group: string,
  fleet: string,
  holder: string,
  now: number,
  expiresAt: number,
): Promise<void> => {
  const acquired = await writeIf(
    () =>
      store.dynamo.send(
        new UpdateCommand({
          TableName: store.table,
          Key: fleetKey(group, fleet),
          UpdateExpression: 'SET leaseHolder = :me, leaseExpiresAt = :exp',
          ConditionExpression:
            'attribute_not_exists(leaseHolder) OR leaseHolder = :me OR leaseExpiresAt < :now',
          ExpressionAttributeValues: { ':me': holder, ':exp': expiresAt, ':now': now },
        }),
      ),
    `acquiring the lease of fleet ${fleet}`,
  );
  if (acquired) return;
  const record = await getFleetRecord(store, group, fleet);
  throw new FleetBusy(
    `fleet ${fleet} is being rolled out by ${record.leaseHolder ?? 'another execution'} until ${
      record.leaseExpiresAt ? new Date(record.leaseExpiresAt).toISOString() : 'unknown'
    }`,
  );
};

/** Gives the lease back if `holder` has it (releasing twice, or someone else's, is a no-op). */
export const releaseFleetLease = async (
  store: StateStore,
  group: string,
  fleet: string,
  holder: string,
) => {
  await writeIf(
    () =>
      store.dynamo.send(
        new UpdateCommand({
          TableName: store.table,
          Key: fleetKey(group, fleet),
          UpdateExpression: 'REMOVE leaseHolder, leaseExpiresAt',
          ConditionExpression: 'leaseHolder = :me',
          ExpressionAttributeValues: { ':me': holder },
        }),
      ),
    `releasing the lease of fleet ${fleet}`,
  );
};

/**
 * Records `release` as the fleet's last good release (the one before becomes the
 * previous good) and releases the lease, in one conditional write. Recording the same
 * release twice is a no-op, so a retry keeps the history right.
 */
export const recordFleetRelease = async (
  store: StateStore,
  group: string,
  fleet: string,
  release: Release,
  /** Keep holding the lease (all-or-nothing: a later fleet's failure may still roll this one back). */
  keepLease = false,
): Promise<FleetRecord> => {
  const record = await getFleetRecord(store, group, fleet);
  const sameAsLast = record.lastGood?.executionArn === release.executionArn;
  const history: FleetRecord = sameAsLast
    ? { lastGood: record.lastGood, previousGood: record.previousGood }
    : { lastGood: release, previousGood: record.lastGood };
  const lease =
    keepLease && record.leaseHolder === release.executionArn
      ? { leaseHolder: record.leaseHolder, leaseExpiresAt: record.leaseExpiresAt }
      : {};
  const next: FleetRecord = { ...history, ...lease };
  const recorded = await writeIf(
    () =>
      store.dynamo.send(
        new PutCommand({
          TableName: store.table,
          Item: { ...fleetKey(group, fleet), ...next },
          // Only the lease holder (or nobody, after an expiry) may move the fleet's history.
          ConditionExpression:
            'attribute_not_exists(leaseHolder) OR leaseHolder = :me OR leaseExpiresAt < :now',
          ExpressionAttributeValues: {
            ':me': release.executionArn,
            ':now': Date.parse(release.at),
          },
        }),
      ),
    `recording the release of fleet ${fleet}`,
  );
  if (!recorded)
    throw new FleetBusy(
      `fleet ${fleet} was taken over by another execution before this release was recorded`,
    );
  return next;
};

/**
 * Replaces the fleet's record with `next` (which drops the lease) only while `holder` holds
 * the lease; false when another execution took it over meanwhile.
 */
const replaceHeldRecord = (
  store: StateStore,
  { group, fleet, holder }: { group: string; fleet: string; holder: string },
  next: FleetRecord,
  doing: string,
) =>
  writeIf(
    () =>
      store.dynamo.send(
        new PutCommand({
          TableName: store.table,
          Item: { ...fleetKey(group, fleet), ...next },
          ConditionExpression: 'leaseHolder = :me',
          ExpressionAttributeValues: { ':me': holder },
        }),
      ),
    doing,
  );

/**
 * A live release was rejected: the fleet goes back to its previous good release, which
 * becomes the last good one again (there is no older one left to fall back to). Only the
 * lease holder may do this; recording twice is a no-op.
 */
export const restorePreviousRelease = async (
  store: StateStore,
  group: string,
  fleet: string,
  holder: string,
  rejectedArn: string,
): Promise<FleetRecord> => {
  const record = await getFleetRecord(store, group, fleet);
  if (record.lastGood?.modelPackageArn !== rejectedArn) return record;
  const next: FleetRecord = { ...(record.previousGood ? { lastGood: record.previousGood } : {}) };
  const recorded = await replaceHeldRecord(
    store,
    { group, fleet, holder },
    next,
    `recording the rollback of fleet ${fleet}`,
  );
  if (!recorded)
    throw new FleetBusy(`fleet ${fleet} was taken over before the rollback was recorded`);
  return next;
};

/**
 * This execution gives the fleet back: if it had recorded its release as the fleet's last
 * good one (a finished fleet of an all-or-nothing release), the previous good release becomes
 * the last good one again; the lease is freed in the same conditional write. Without the
 * lease (expired and taken over), nothing is written and `false` is returned.
 */
export const giveBackFleet = async (
  store: StateStore,
  group: string,
  fleet: string,
  holder: string,
): Promise<boolean> => {
  const record = await getFleetRecord(store, group, fleet);
  if (record.leaseHolder !== holder) return false;
  const ours = record.lastGood?.executionArn === holder;
  const next: FleetRecord = ours
    ? { ...(record.previousGood ? { lastGood: record.previousGood } : {}) }
    : {
        ...(record.lastGood ? { lastGood: record.lastGood } : {}),
        ...(record.previousGood ? { previousGood: record.previousGood } : {}),
      };
  return replaceHeldRecord(store, { group, fleet, holder }, next, `giving back fleet ${fleet}`);
};
