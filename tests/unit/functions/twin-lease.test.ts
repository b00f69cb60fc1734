import {
  CreateDeploymentCommand,
  GreengrassV2Client,
  ListDeploymentsCommand,
} from '@aws-sdk/client-greengrassv2';
import { IoTClient } from '@aws-sdk/client-iot';
import { mockClient } from 'aws-sdk-client-mock';
import { deployToTwin } from '../../../functions/deploy-to-twin/deploy-to-twin';
import { leaseTwin } from '../../../functions/deploy-to-twin/lease-twin';
import { releaseTwinLeaseTask } from '../../../functions/release-twin-lease/release-twin-lease';
import type { Plan } from '../../../functions/shared/plan';
import { advanceLatestVersion } from '../../../functions/shared/registry-store';
import type { StateStore } from '../../../functions/shared/state-store';
import { endTwinLease, getTwinLease, twinClaim } from '../../../functions/shared/twin-lease';
import { type LocalTable, startLocalTable } from '../../helpers/dynalite';
import { registeredComponents, samplePlan, silentLogger } from '../../helpers/fixtures';

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
/** Deploy To Twin's first step. */
const acquire = (plan: Plan, now = NOW) => leaseTwin(plan, deps(now));
/** Run Twin Tests' last step. */
const endTests = (plan: Plan) => endTwinLease(store, twinClaim(plan));
/** Release Twin After Failure. */
const releaseAfter = (plan: Plan, error: { Error: string; Cause?: string }) =>
  releaseTwinLeaseTask({ plan, error }, deps());

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
    await expect(endTests(run(7, 'v7'))).rejects.toMatchObject({
      name: 'Superseded',
      message: expect.stringMatching(/^version 8 of defect-detector took over the twin/),
    });
    await expect(
      releaseAfter(run(7, 'v7'), { Error: 'DeploymentFailed', Cause: 'deployment replaced' }),
    ).rejects.toMatchObject({ name: 'Superseded' });
    expect((await getTwinLease(store, base.twin.targetArn)).holder).toBe(run(8, 'v8').executionArn);
    await expect(endTests(run(8, 'v8'))).resolves.toBeUndefined();
    expect((await getTwinLease(store, base.twin.targetArn)).holder).toBeUndefined();
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
    const passedOn = releaseAfter(run(7, 'v7'), {
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

  it('after a failure before the lease was taken, frees nothing and passes the failure on', async () => {
    // Prepare: another model group tests on the twin; this run's Deploy To Twin failed first.
    const other = run(3, 'other', 'paint-inspector');
    await acquire(other);
    // Act
    const passedOn = releaseAfter(run(7, 'v7'), { Error: 'ConfigError', Cause: 'no platform' });
    // Assess: its own failure, not an untrusted twin; the other group keeps the twin.
    await expect(passedOn).rejects.toMatchObject({ name: 'ConfigError', message: 'no platform' });
    expect(await getTwinLease(store, base.twin.targetArn)).toMatchObject({
      holder: other.executionArn,
    });
  });

  it('passes on Superseded from a registry check that stopped the run before the twin', async () => {
    // Prepare
    await advanceLatestVersion(store, base.modelPackageGroupName, 9, 'arn:…/9');
    const stopped = await acquire(run(7, 'v7')).then(
      () => new Error('leased'),
      (error: Error) => error,
    );
    // Act
    const passedOn = releaseAfter(run(7, 'v7'), { Error: stopped.name, Cause: stopped.message });
    // Assess
    await expect(passedOn).rejects.toMatchObject({
      name: 'Superseded',
      message: expect.stringContaining('stops before the twin'),
    });
    expect(await getTwinLease(store, base.twin.targetArn)).toEqual({});
  });

  it('treats a retried end of the tests as done, but not one after the lease expired to someone else', async () => {
    // Prepare
    const leased = await acquire(run(7, 'v7'));
    await endTests(run(7, 'v7'));
    // Act / Assess: the retry of a release that went through
    await expect(endTests(run(7, 'v7'))).resolves.toBeUndefined();
    // Prepare: v7 leases again, its lease expires and another group takes the twin
    await acquire(run(7, 'v7'));
    await acquire(run(3, 'other', 'paint-inspector'), Date.parse(leased.expiresAt) + 1);
    // Act
    const untrusted = endTests(run(7, 'v7'));
    // Assess
    await expect(untrusted).rejects.toMatchObject({
      name: 'TwinTestsFailed',
      message: expect.stringContaining('cannot be trusted'),
    });
  });
});

describe('Deploy To Twin takes the lease before it deploys', () => {
  const greengrass = mockClient(GreengrassV2Client);
  const clients = { greengrass: new GreengrassV2Client({}), iot: new IoTClient({}) };
  const deploy = (plan: Plan) =>
    deployToTwin(
      { plan, components: registeredComponents(plan) },
      {
        clientsFor: () => clients,
        logger: silentLogger(),
        now: () => new Date(NOW),
        leaseTwin: (p) => leaseTwin(p, deps()),
      },
    );
  beforeEach(() => {
    greengrass.reset();
    greengrass.on(ListDeploymentsCommand).resolves({ deployments: [] });
    greengrass.on(CreateDeploymentCommand).resolves({ deploymentId: 'd-twin' });
  });
  afterAll(() => greengrass.restore());

  it('deploys as the holder of the lease', async () => {
    // Act
    const result = await deploy(run(7, 'v7'));
    // Assess
    expect(result.deploymentId).toBe('d-twin');
    expect((await getTwinLease(store, base.twin.targetArn)).holder).toBe(run(7, 'v7').executionArn);
  });

  it('deploys nothing for a version superseded at the twin', async () => {
    // Prepare
    await acquire(run(8, 'v8'));
    // Act
    const attempt = deploy(run(7, 'v7'));
    // Assess
    await expect(attempt).rejects.toMatchObject({ name: 'Superseded' });
    expect(greengrass).not.toHaveReceivedCommand(CreateDeploymentCommand);
  });

  it('deploys nothing while another model group tests (TwinBusy, which the state machine retries)', async () => {
    // Prepare
    await acquire(run(3, 'other', 'paint-inspector'));
    // Act
    const attempt = deploy(run(7, 'v7'));
    // Assess
    await expect(attempt).rejects.toMatchObject({ name: 'TwinBusy' });
    expect(greengrass).not.toHaveReceivedCommand(CreateDeploymentCommand);
  });
});
