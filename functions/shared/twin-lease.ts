import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { writeIf } from './conditional-write';
import { classifyAwsError, Superseded, TwinBusy, TwinTestsFailed } from './errors';
import type { Plan } from './plan';
import type { StateStore } from './state-store';

/**
 * The digital twin is shared: Greengrass keeps one deployment per target, so two runs
 * deploying to one twin test each other's components. A run holds the twin's lease from
 * before its deployment until its tests are judged. The newer version of a model group
 * takes the lease over from an older one (the older ends `Superseded`); a replay of the
 * same version takes it over from the failed run; another model group waits (`TwinBusy`).
 */
export type TwinLease = {
  holder: string;
  group: string;
  version: number;
  expiresAt: number;
  /** The last holder that gave the lease back: lets a retried release know it was its own. */
  releasedBy?: string;
};

export type LeaseClaim = { targetArn: string; group: string; version: number; holder: string };

/** The claim a run makes on its twin: the same for acquire (with the deployment) and release. */
export const twinClaim = (plan: Plan): LeaseClaim => ({
  targetArn: plan.twin.targetArn,
  group: plan.modelPackageGroupName,
  version: plan.modelPackageVersion,
  holder: plan.executionArn,
});

const leaseKey = (targetArn: string) => ({ pk: `twin#${targetArn}`, sk: 'lease' });

export const getTwinLease = async (
  store: StateStore,
  targetArn: string,
): Promise<Partial<TwinLease>> => {
  try {
    const { Item } = await store.dynamo.send(
      new GetCommand({ TableName: store.table, Key: leaseKey(targetArn), ConsistentRead: true }),
    );
    return (Item ?? {}) as Partial<TwinLease>;
  } catch (error) {
    throw classifyAwsError(error, `reading the lease of twin ${targetArn}`);
  }
};

const supersededBy = (lease: Partial<TwinLease>, claim: LeaseClaim) =>
  new Superseded(
    `version ${lease.version} of ${claim.group} took over the twin ${claim.targetArn} from version ${claim.version}; this release stops before approval`,
  );

/**
 * Takes the twin's lease for `claim.holder` until `expiresAt` (epoch ms): granted when it is
 * free, already ours, expired, or held by an older or equal version of the same group.
 */
export const acquireTwinLease = async (
  store: StateStore,
  claim: LeaseClaim,
  now: number,
  expiresAt: number,
): Promise<void> => {
  const acquired = await writeIf(
    () =>
      store.dynamo.send(
        new UpdateCommand({
          TableName: store.table,
          Key: leaseKey(claim.targetArn),
          UpdateExpression:
            'SET holder = :me, #group = :group, version = :version, expiresAt = :exp',
          ConditionExpression:
            'attribute_not_exists(holder) OR holder = :me OR expiresAt < :now OR (#group = :group AND version <= :version)',
          ExpressionAttributeNames: { '#group': 'group' },
          ExpressionAttributeValues: {
            ':me': claim.holder,
            ':group': claim.group,
            ':version': claim.version,
            ':exp': expiresAt,
            ':now': now,
          },
        }),
      ),
    `acquiring the lease of twin ${claim.targetArn}`,
  );
  if (acquired) return;
  const lease = await getTwinLease(store, claim.targetArn);
  if (lease.group === claim.group) throw supersededBy(lease, claim);
  throw new TwinBusy(
    `twin ${claim.targetArn} is testing ${lease.group} v${lease.version} (${lease.holder}) until ${
      lease.expiresAt ? new Date(lease.expiresAt).toISOString() : 'unknown'
    }`,
  );
};

/** `Superseded` when a newer version of the claim's group holds the lease now. */
const throwIfTakenOver = (lease: Partial<TwinLease>, claim: LeaseClaim) => {
  if (lease.group === claim.group && (lease.version ?? 0) > claim.version) {
    throw supersededBy(lease, claim);
  }
};

/**
 * Throws unless `claim.holder` still holds the lease (or gave it back itself, for a retried
 * release): `Superseded` when a newer version of the group took the twin over, otherwise a
 * permanent failure, because tests run while someone else deployed cannot be trusted.
 */
export const assertTwinLeaseHeld = async (store: StateStore, claim: LeaseClaim): Promise<void> => {
  const lease = await getTwinLease(store, claim.targetArn);
  if (lease.holder === claim.holder || (!lease.holder && lease.releasedBy === claim.holder)) return;
  throwIfTakenOver(lease, claim);
  throw new TwinTestsFailed(
    `the lease of twin ${claim.targetArn} passed from ${claim.holder} to ${
      lease.holder ?? 'nobody'
    } (it expired) while this release used it; its results cannot be trusted — replay the release`,
  );
};

/** Gives the lease back if `claim.holder` has it; a no-op when it does not. */
export const releaseTwinLease = async (store: StateStore, claim: LeaseClaim): Promise<void> => {
  await writeIf(
    () =>
      store.dynamo.send(
        new UpdateCommand({
          TableName: store.table,
          Key: leaseKey(claim.targetArn),
          UpdateExpression: 'SET releasedBy = :me REMOVE holder, expiresAt',
          ConditionExpression: 'holder = :me',
          ExpressionAttributeValues: { ':me': claim.holder },
        }),
      ),
    `releasing the lease of twin ${claim.targetArn}`,
  );
};

/**
 * Where a run's tests end: only a run that held the twin throughout may judge them
 * (assertTwinLeaseHeld); then the twin is free for the next run. A retry after the release
 * went through passes, since the lease says who gave it back.
 */
export const endTwinLease = async (store: StateStore, claim: LeaseClaim): Promise<void> => {
  await assertTwinLeaseHeld(store, claim);
  await releaseTwinLease(store, claim);
};

/**
 * After a failure on the twin stage: frees the lease if this run holds it — a no-op when it
 * never got it (Deploy To Twin failed before or while taking it) or lost it, so another
 * run's lease is never touched — and throws `Superseded` when a newer version of the group
 * holds the twin now: whatever failed, that run took over.
 */
export const releaseTwinLeaseAfterFailure = async (
  store: StateStore,
  claim: LeaseClaim,
): Promise<void> => {
  await releaseTwinLease(store, claim);
  throwIfTakenOver(await getTwinLease(store, claim.targetArn), claim);
};
