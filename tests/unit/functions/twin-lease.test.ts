import { acquireTwinLease } from '../../../functions/acquire-twin-lease/acquire-twin-lease';
import { releaseTwinLeaseTask } from '../../../functions/release-twin-lease/release-twin-lease';
import type { Plan } from '../../../functions/shared/plan';
import { advanceLatestVersion } from '../../../functions/shared/registry-store';
import type { StateStore } from '../../../functions/shared/state-store';
import { getTwinLease } from '../../../functions/shared/twin-lease';
import { type LocalTable, startLocalTable } from '../../helpers/dynalite';
import { samplePlan, silentLogger } from '../../helpers/fixtures';

let db: LocalTable;
let store: StateStore;
let base: Plan;
let table = 0;
const NOW = Date.parse('2026-11-25T10:00:00Z');

beforeAll(async () => {
  db = await startLocalTable();
  base = await samplePlan();
});
afterAll(() => db.close());
beforeEach(async () => {
  // A fresh table per test: leases are shared state by design.
  const fresh = await startLocalTable(`twin-lease-${++table}`);
  store = { dynamo: fresh.doc, table: fresh.table };
  closers.push(fresh.close);
});
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

/** The sample plan as another run: another version, execution or model group. */
const run = (version: number, execution: string, group = base.modelPackageGroupName): Plan => ({
  ...base,
  modelPackageGroupName: group,
  modelPackageVersion: version,
  executionArn: `arn:aws:states:us-east-1:000000000000:execution:edge:${execution}`,
});
const deps = (now = NOW) => ({ store, logger: silentLogger(), now: () => new Date(now) });
const acquire = (plan: Plan, now = NOW) => acquireTwinLease({ plan }, deps(now));
const release = (plan: Plan, error?: { Error: string; Cause?: string }) =>
  releaseTwinLeaseTask({ plan, ...(error ? { error } : {}) }, deps());

describe('the twin lease', () => {
  it('is granted on a free twin, and again to the same run (a retry)', async () => {
    // Act
    await acquire(run(7, 'v7'));
    await acquire(run(7, 'v7'));
    // Assess
    expect(await getTwinLease(store, base.twin.targetArn)).toMatchObject({
      holder: run(7, 'v7').executionArn,
      version: 7,
    });
  });

  it('passes to a newer version of the group; the older one is then Superseded, whatever its tests said', async () => {
    // Prepare
    await acquire(run(7, 'v7'));
    // Act
    await acquire(run(8, 'v8'));
    // Assess
    await expect(release(run(7, 'v7'))).rejects.toMatchObject({
      name: 'Superseded',
      message: expect.stringMatching(/^version 8 of defect-detector took over the twin/),
    });
    await expect(
      release(run(7, 'v7'), { Error: 'DeploymentFailed', Cause: 'deployment replaced' }),
    ).rejects.toMatchObject({ name: 'Superseded' });
    await expect(release(run(8, 'v8'))).resolves.toEqual({ released: true });
  });

  it('refuses an older version while a newer one holds the twin: Superseded, nothing taken', async () => {
    // Prepare
    await acquire(run(8, 'v8'));
    // Act
    const older = acquire(run(7, 'v7'));
    // Assess
    await expect(older).rejects.toMatchObject({ name: 'Superseded' });
    expect((await getTwinLease(store, base.twin.targetArn)).version).toBe(8);
  });

  it('stops a version superseded in the registry before it touches the twin', async () => {
    // Prepare
    await advanceLatestVersion(store, base.modelPackageGroupName, 9, 'arn:…/9');
    // Act
    const attempt = acquire(run(7, 'v7'));
    // Assess
    await expect(attempt).rejects.toMatchObject({
      name: 'Superseded',
      message: expect.stringContaining('stops before the twin'),
    });
    expect(await getTwinLease(store, base.twin.targetArn)).toEqual({});
  });

  it('lets a replay of the same version take over from the failed run', async () => {
    // Prepare
    await acquire(run(7, 'v7-first'));
    // Act
    await acquire(run(7, 'v7-replay'));
    // Assess
    expect((await getTwinLease(store, base.twin.targetArn)).holder).toBe(
      run(7, 'v7-replay').executionArn,
    );
  });

  it('makes another model group wait (TwinBusy, retried) until the lease is free or expired', async () => {
    // Prepare
    const other = run(3, 'other', 'paint-inspector');
    const leased = await acquire(run(7, 'v7'));
    // Act
    const busy = acquire(other);
    // Assess
    await expect(busy).rejects.toMatchObject({
      name: 'TwinBusy',
      message: expect.stringContaining('is testing defect-detector v7'),
    });
    await expect(acquire(other, Date.parse(leased.expiresAt) + 1)).resolves.toMatchObject({
      holder: other.executionArn,
    });
  });

  it('frees the twin after a failure and passes the failure on under its own name', async () => {
    // Prepare
    await acquire(run(7, 'v7'));
    // Act
    const passedOn = release(run(7, 'v7'), {
      Error: 'DeploymentFailed',
      Cause: JSON.stringify({
        errorType: 'DeploymentFailed',
        errorMessage: 'device twin-1 failed',
      }),
    });
    // Assess
    await expect(passedOn).rejects.toMatchObject({
      name: 'DeploymentFailed',
      message: 'device twin-1 failed',
    });
    expect((await getTwinLease(store, base.twin.targetArn)).holder).toBeUndefined();
    await expect(acquire(run(3, 'other', 'paint-inspector'))).resolves.toBeDefined();
  });

  it('treats a retried release as done, but not a release after the lease expired to someone else', async () => {
    // Prepare
    const leased = await acquire(run(7, 'v7'));
    await release(run(7, 'v7'));
    // Act / Assess: the retry of a release that went through
    await expect(release(run(7, 'v7'))).resolves.toEqual({ released: true });
    // Prepare: v7 leases again, its lease expires and another group takes the twin
    await acquire(run(7, 'v7'));
    await acquire(run(3, 'other', 'paint-inspector'), Date.parse(leased.expiresAt) + 1);
    // Act
    const untrusted = release(run(7, 'v7'));
    // Assess
    await expect(untrusted).rejects.toMatchObject({
      name: 'TwinTestsFailed',
      message: expect.stringContaining('cannot be trusted'),
    });
  });
});
