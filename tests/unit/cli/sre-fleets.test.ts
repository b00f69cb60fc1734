import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  GetDeploymentCommand,
  GreengrassV2Client,
  ListDeploymentsCommand,
} from '@aws-sdk/client-greengrassv2';
import { DescribeJobCommand, IoTClient } from '@aws-sdk/client-iot';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { type FleetDeps, fleetViews } from '../../../cli/sre/fleets';
import { formatFleet, progressBar } from '../../../cli/sre/fleets-format';
import { releaseHistory } from '../../../cli/sre/releases';
import { rollbackFinder } from '../../../cli/sre/rollbacks';
import { localStageConfig } from '../../helpers/fixtures';

const doc = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);
const greengrass = mockClient(GreengrassV2Client);
const iot = mockClient(IoTClient);
const store = () => ({
  dynamo: DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })),
  table: 'state',
});
const MACHINE =
  'arn:aws:states:us-east-1:000000000000:stateMachine:edge-mlops-local-edge-deployment';
const ROLLBACK_MACHINE =
  'arn:aws:states:us-east-1:000000000000:stateMachine:edge-mlops-local-roll-back-rejected';
const exec = (name: string) =>
  `arn:aws:states:us-east-1:000000000000:execution:edge-mlops-local-edge-deployment:${name}`;
const group = (name: string) => `arn:aws:iot:us-east-1:000000000000:thinggroup/${name}`;
const NOW = Date.parse('2026-11-25T12:00:00Z');
const MODEL = 'com.example.defectdetector.model';
const input = (version: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    modelPackageGroupName: 'defect-detector',
    modelPackageVersion: version,
    ...extra,
  });
const release = (version: number, name: string, at: string) => ({
  modelPackageArn: `arn:aws:sagemaker:us-east-1:000000000000:model-package/defect-detector/${version}`,
  modelPackageVersion: version,
  components: {},
  executionArn: exec(name),
  at,
});
/** Each thing group's latest deployment: the model version it carries and its job counters. */
const deployed = (
  target: string,
  version: number | undefined,
  details?: Record<string, number>,
) => {
  const id = `dep-${target}`;
  greengrass
    .on(ListDeploymentsCommand, { targetArn: group(target) })
    .resolves({ deployments: [{ deploymentId: id, isLatestForTarget: true }] });
  greengrass.on(GetDeploymentCommand, { deploymentId: id }).resolves({
    deploymentId: id,
    deploymentStatus: 'ACTIVE',
    iotJobId: `job-${target}`,
    components: version === undefined ? {} : { [MODEL]: { componentVersion: `1.0.${version}` } },
  });
  iot
    .on(DescribeJobCommand, { jobId: `job-${target}` })
    .resolves({ job: { jobProcessDetails: details ?? { numberOfSucceededThings: 5 } } });
};
const history = (...events: Partial<HistoryEvent>[]) => ({
  events: events.map((e, i) => ({
    id: i + 1,
    timestamp: new Date(NOW + i * 1000),
    ...e,
  })) as HistoryEvent[],
});
const exited = (name: string, output: unknown) => ({
  type: 'TaskStateExited' as const,
  stateExitedEventDetails: { name, output: JSON.stringify(output) },
});
const enteredState = (name: string, stateInput?: unknown) => ({
  type: 'TaskStateEntered' as const,
  stateEnteredEventDetails: {
    name,
    ...(stateInput ? { input: JSON.stringify(stateInput) } : {}),
  },
});

beforeEach(() => {
  doc.reset();
  sfn.reset();
  greengrass.reset();
  iot.reset();
});

const deps = (notRestored: FleetDeps['notRestored'] = async () => undefined) => ({
  store: store(),
  sfn: new SFNClient({}),
  clientsFor: () => ({ greengrass: new GreengrassV2Client({}), iot: new IoTClient({}) }),
  notRestored,
  now: NOW,
});

describe('fleets', () => {
  it('shows what each wave runs now, the last good release, and the rollout holding the lease with each reached wave’s devices', async () => {
    // Prepare
    doc
      .on(GetCommand, { Key: { pk: 'fleet#defect-detector#factory-jetson', sk: 'state' } })
      .resolves({
        Item: {
          lastGood: release(7, 'defect-detector-v7-aaaa', '2026-11-24T10:00:00.000Z'),
          previousGood: release(6, 'defect-detector-v6-bbbb', '2026-11-20T10:00:00.000Z'),
          leaseHolder: exec('defect-detector-v8-cccc'),
          leaseExpiresAt: NOW + 3_600_000,
        },
      });
    doc
      .on(GetCommand, { Key: { pk: 'fleet#defect-detector#field-rpi', sk: 'state' } })
      .resolves({});
    sfn.on(DescribeExecutionCommand).resolves({ input: input(8) });
    deployed('factory-jetson-canary', 8, {
      numberOfSucceededThings: 2,
      numberOfFailedThings: 1,
      numberOfInProgressThings: 1,
      numberOfQueuedThings: 1,
    });
    deployed('factory-jetson-main', 7);
    deployed('field-rpi', undefined);
    // Act
    const fleets = await fleetViews(localStageConfig(), deps());
    // Assess
    const [jetson, rpi] = fleets;
    expect(jetson).toMatchObject({
      modelGroup: 'defect-detector',
      fleet: 'factory-jetson',
      runsNow: [
        { version: 8, waves: ['canary'] },
        { version: 7, waves: ['main'] },
      ],
      lastGood: {
        version: 7,
        execution: 'defect-detector-v7-aaaa',
        at: '2026-11-24T10:00:00.000Z',
      },
      previousGood: { version: 6, execution: 'defect-detector-v6-bbbb' },
      rollout: {
        execution: 'defect-detector-v8-cccc',
        version: 8,
        leaseExpiresAt: new Date(NOW + 3_600_000).toISOString(),
        waves: [
          {
            wave: 'canary',
            version: 8,
            counts: { succeeded: 2, failed: 1, inProgress: 1, queued: 1, total: 5 },
          },
        ],
      },
    });
    expect(rpi).toEqual(
      expect.objectContaining({ fleet: 'field-rpi', runsNow: [{ waves: ['all'] }] }),
    );
    expect(rpi!.rollout).toBeUndefined();
    expect(rpi!.lastGood).toBeUndefined();
    expect(formatFleet(jetson!)).toBe(
      [
        'defect-detector / factory-jetson',
        '  runs now:   v8 (canary), v7 (main)',
        '  last good:  v7 (defect-detector-v7-aaaa, 2026-11-24T10:00:00.000Z)',
        '  before it:  v6 (defect-detector-v6-bbbb)',
        `  rolling out v8: defect-detector-v8-cccc (lease until ${new Date(NOW + 3_600_000).toISOString()})`,
        '    canary     [████████████✗✗✗✗✗✗▒▒▒▒▒▒······] 2/5 succeeded, 1 failed, 1 in progress, 1 queued/offline',
        '    main       waiting for its turn',
      ].join('\n'),
    );
  });

  it('ignores an expired lease: nothing is in flight', async () => {
    // Prepare
    doc.on(GetCommand).resolves({
      Item: { leaseHolder: exec('crashed'), leaseExpiresAt: NOW - 1 },
    });
    deployed('factory-jetson-canary', 7);
    deployed('factory-jetson-main', 7);
    deployed('field-rpi', 7);
    // Act
    const fleets = await fleetViews(localStageConfig(), deps(), { fleet: 'field-rpi' });
    // Assess
    expect(fleets).toHaveLength(1);
    expect(fleets[0]!.rollout).toBeUndefined();
    expect(sfn).not.toHaveReceivedCommand(DescribeExecutionCommand);
  });

  it('names the devices the last rollback could not restore', async () => {
    // Prepare
    doc.on(GetCommand).resolves({});
    deployed('factory-jetson-canary', 6);
    deployed('factory-jetson-main', 6);
    deployed('field-rpi', 6);
    const notRestored = {
      execution: 'defect-detector-v8-cccc',
      at: '2026-11-25T11:00:00.000Z',
      devices: [{ device: 'factory-jetson-canary-01', wave: 'canary', status: 'FAILED' }],
    };
    // Act
    const [jetson] = await fleetViews(
      localStageConfig(),
      deps(async () => notRestored),
      { fleet: 'factory-jetson' },
    );
    // Assess
    expect(jetson!.notRestored).toEqual(notRestored);
    expect(formatFleet(jetson!)).toContain(
      '  NOT RESTORED by defect-detector-v8-cccc (2026-11-25T11:00:00.000Z): factory-jetson-canary-01 (canary, FAILED)',
    );
  });
});

describe('progress bars', () => {
  it('draw succeeded, failed, in progress and queued devices in proportion, the same in any terminal', () => {
    // Act & Assess
    expect(progressBar({ succeeded: 10, failed: 0, inProgress: 0, queued: 0, total: 10 })).toBe(
      `[${'█'.repeat(30)}] 10/10 succeeded, 0 failed, 0 in progress, 0 queued/offline`,
    );
    expect(progressBar({ succeeded: 0, failed: 0, inProgress: 0, queued: 0, total: 0 })).toBe(
      `[${' '.repeat(30)}] no devices`,
    );
    expect(progressBar({ succeeded: 1, failed: 0, inProgress: 0, queued: 2, total: 3 })).toBe(
      `[${'█'.repeat(10)}${'·'.repeat(20)}] 1/3 succeeded, 0 failed, 0 in progress, 2 queued/offline`,
    );
  });
});

describe('devices a rollback could not restore', () => {
  const checkRollback = (fleets: string[], stillBad: object[]) =>
    exited('Check Rollback', {
      rollback: { done: true, fleets: fleets.map((fleet) => ({ fleet })), stillBad },
    });
  const bad = {
    device: 'factory-jetson-canary-01',
    fleet: 'factory-jetson',
    wave: 'canary',
    status: 'FAILED',
  };

  it('come from the newest rollback of the fleet, read once per model group', async () => {
    // Prepare
    sfn.on(ListExecutionsCommand).resolves({
      executions: [
        {
          executionArn: exec('other-group'),
          name: 'other-group',
          stateMachineArn: MACHINE,
          status: 'FAILED',
          startDate: new Date(NOW),
        },
        {
          executionArn: exec('v8'),
          name: 'v8',
          stateMachineArn: MACHINE,
          status: 'FAILED',
          startDate: new Date(NOW),
        },
      ],
    });
    sfn
      .on(DescribeExecutionCommand, { executionArn: exec('other-group') })
      .resolves({ input: JSON.stringify({ modelPackageGroupName: 'other' }) });
    sfn.on(DescribeExecutionCommand, { executionArn: exec('v8') }).resolves({ input: input(8) });
    sfn.on(GetExecutionHistoryCommand).resolves(history(checkRollback(['factory-jetson'], [bad])));
    const find = rollbackFinder(new SFNClient({}), MACHINE);
    // Act
    const jetson = await find({ modelGroup: 'defect-detector', fleet: 'factory-jetson' });
    const rpi = await find({ modelGroup: 'defect-detector', fleet: 'field-rpi' });
    // Assess
    expect(jetson).toEqual({
      execution: 'v8',
      at: new Date(NOW).toISOString(),
      devices: [{ device: 'factory-jetson-canary-01', wave: 'canary', status: 'FAILED' }],
    });
    expect(rpi).toBeUndefined();
    expect(sfn).toHaveReceivedCommandTimes(ListExecutionsCommand, 1);
    expect(sfn).toHaveReceivedCommandWith(ListExecutionsCommand, { statusFilter: 'FAILED' });
  });

  it('are forgotten once a newer rollback restored the fleet, or a release reached it since', async () => {
    // Prepare
    sfn.on(ListExecutionsCommand).resolves({
      executions: [
        {
          executionArn: exec('v9'),
          name: 'v9',
          stateMachineArn: MACHINE,
          status: 'FAILED',
          startDate: new Date(NOW),
        },
        {
          executionArn: exec('v8'),
          name: 'v8',
          stateMachineArn: MACHINE,
          status: 'FAILED',
          startDate: new Date(NOW),
        },
      ],
    });
    sfn.on(DescribeExecutionCommand).resolves({ input: input(8) });
    sfn
      .on(GetExecutionHistoryCommand, { executionArn: exec('v9') })
      .resolves(history(checkRollback(['factory-jetson'], [])));
    sfn
      .on(GetExecutionHistoryCommand, { executionArn: exec('v8') })
      .resolves(
        history(
          checkRollback(
            ['factory-jetson', 'field-rpi'],
            [{ ...bad, fleet: 'field-rpi', device: 'rpi-01' }],
          ),
        ),
      );
    const find = rollbackFinder(new SFNClient({}), MACHINE);
    // Act
    const jetson = await find({ modelGroup: 'defect-detector', fleet: 'factory-jetson' });
    const rpiBefore = await find({ modelGroup: 'defect-detector', fleet: 'field-rpi' });
    const rpiAfterRelease = await find({
      modelGroup: 'defect-detector',
      fleet: 'field-rpi',
      after: new Date(NOW + 60_000).toISOString(),
    });
    // Assess
    expect(jetson).toBeUndefined();
    expect(rpiBefore?.devices).toEqual([{ device: 'rpi-01', wave: 'canary', status: 'FAILED' }]);
    expect(rpiAfterRelease).toBeUndefined();
  });
});

describe('releases', () => {
  it('lists each version with its outcome, approvers, fleets and rollbacks (from both state machines), oldest first', async () => {
    // Prepare: the rollback of a live version rejected in the registry runs on its own machine.
    sfn.on(ListExecutionsCommand, { stateMachineArn: ROLLBACK_MACHINE }).resolves({
      executions: [
        {
          executionArn: exec('rollback-v8'),
          name: 'rollback-v8',
          stateMachineArn: ROLLBACK_MACHINE,
          status: 'SUCCEEDED',
          startDate: new Date(NOW + 3000),
          stopDate: new Date(NOW + 4000),
        },
      ],
    });
    sfn.on(ListExecutionsCommand, { stateMachineArn: MACHINE }).resolves({
      executions: [
        {
          executionArn: exec('v9'),
          name: 'v9',
          stateMachineArn: MACHINE,
          status: 'FAILED',
          startDate: new Date(NOW + 2000),
          stopDate: new Date(NOW + 2500),
        },
        {
          executionArn: exec('v8'),
          name: 'v8',
          stateMachineArn: MACHINE,
          status: 'SUCCEEDED',
          startDate: new Date(NOW),
          stopDate: new Date(NOW + 1000),
        },
      ],
    });
    sfn
      .on(DescribeExecutionCommand, { executionArn: exec('v8') })
      .resolves({ input: input(8), stopDate: new Date(NOW + 1000) });
    sfn
      .on(DescribeExecutionCommand, { executionArn: exec('v9') })
      .resolves({ input: input(9), error: 'ApprovalRejected' });
    sfn.on(DescribeExecutionCommand, { executionArn: exec('rollback-v8') }).resolves({
      input: input(8, { rollback: { reason: 'rejected', fleets: ['field-rpi'] } }),
    });
    sfn.on(GetExecutionHistoryCommand, { executionArn: exec('v8') }).resolves(
      history(
        exited('Complete Fleet Rollout', {
          fleet: 'factory-jetson',
          status: 'DEPLOYED',
          offline: ['jetson-03 (main)'],
        }),
        exited('Complete Fleet Rollout', { fleet: 'field-rpi', status: 'DEPLOYED', offline: [] }),
      ),
    );
    sfn.on(GetExecutionHistoryCommand, { executionArn: exec('v9') }).resolves(
      history(
        enteredState('Record Failure', {
          error: { Error: 'ApprovalRejected', Cause: 'rejected by bob' },
        }),
      ),
    );
    sfn.on(GetExecutionHistoryCommand, { executionArn: exec('rollback-v8') }).resolves(
      history(
        exited('Roll Back Rejected Release', {
          rolledBack: { fleets: [{ fleet: 'field-rpi', restoredVersion: 7, waves: ['all'] }] },
        }),
      ),
    );
    doc
      .on(GetCommand, { Key: { pk: `execution#${exec('v8')}`, sk: 'approval' } })
      .resolves({ Item: { approvalId: 'a8' } });
    doc
      .on(GetCommand, { Key: { pk: `execution#${exec('v9')}`, sk: 'approval' } })
      .resolves({ Item: { approvalId: 'a9' } });
    doc
      .on(GetCommand, { Key: { pk: `execution#${exec('rollback-v8')}`, sk: 'approval' } })
      .resolves({});
    doc.on(GetCommand, { Key: { pk: 'approval#a8', sk: 'approval' } }).resolves({
      Item: {
        approvalId: 'a8',
        approvers: ['alice@example.com', 'bob@example.com'],
        quorum: 1,
        deadline: NOW / 1000 + 3600,
        status: 'APPROVED',
        approvals: [{ approver: 'alice@example.com', at: 't1' }],
        decision: { outcome: 'APPROVED', by: 'alice@example.com', at: 't1' },
      },
    });
    doc.on(GetCommand, { Key: { pk: 'approval#a9', sk: 'approval' } }).resolves({
      Item: {
        approvalId: 'a9',
        approvers: ['alice@example.com', 'bob@example.com'],
        quorum: 1,
        deadline: NOW / 1000 + 3600,
        status: 'REJECTED',
        approvals: [],
        decision: { outcome: 'REJECTED', by: 'bob@example.com', at: 't2', reason: 'drift' },
      },
    });
    // Act
    const releases = await releaseHistory(
      new SFNClient({}),
      [MACHINE, ROLLBACK_MACHINE],
      store(),
      'defect-detector',
    );
    // Assess
    expect(releases.map((r) => [r.execution, r.kind, r.outcome])).toEqual([
      ['v8', 'release', 'released'],
      ['v9', 'release', 'rejected at approval'],
      ['rollback-v8', 'rollback', 'rolled back (rejected in the registry)'],
    ]);
    expect(releases[0]).toMatchObject({
      version: 8,
      approval: { approvedBy: [{ approver: 'alice@example.com', at: 't1' }] },
      fleets: [
        { fleet: 'factory-jetson', status: 'DEPLOYED', offline: ['jetson-03 (main)'] },
        { fleet: 'field-rpi', status: 'DEPLOYED' },
      ],
    });
    expect(releases[1]!.approval?.decision).toEqual({
      outcome: 'REJECTED',
      by: 'bob@example.com',
      at: 't2',
      reason: 'drift',
    });
    expect(releases[2]!.fleets).toEqual([{ fleet: 'field-rpi', status: 'ROLLED BACK to v7' }]);
  });

  it('says which fleets a failed rollout rolled back and what the rollback restored', async () => {
    // Prepare
    sfn.on(ListExecutionsCommand).resolves({
      executions: [
        {
          executionArn: exec('v10'),
          name: 'v10',
          stateMachineArn: MACHINE,
          status: 'FAILED',
          startDate: new Date(NOW),
        },
      ],
    });
    sfn.on(DescribeExecutionCommand).resolves({ input: input(10) });
    sfn.on(GetExecutionHistoryCommand).resolves(
      history(
        exited('Complete Fleet Rollout', { fleet: 'field-rpi', status: 'DEPLOYED' }),
        enteredState('Roll Back Fleets'),
        exited('Check Rollback', {
          rollback: {
            done: true,
            fleets: [{ fleet: 'factory-jetson' }, { fleet: 'field-rpi' }],
            cause: 'wave canary ABORTED; rolled back … on all devices',
          },
        }),
        enteredState('Record Failure', {
          error: { Error: 'RolloutAborted', Cause: 'wave canary ABORTED' },
        }),
      ),
    );
    doc.on(GetCommand).resolves({});
    // Act
    const [v10] = await releaseHistory(new SFNClient({}), [MACHINE], store(), 'defect-detector');
    // Assess
    expect(v10).toMatchObject({
      outcome: 'failed: RolloutAborted, fleets rolled back',
      fleets: [
        { fleet: 'field-rpi', status: 'ROLLED BACK' },
        { fleet: 'factory-jetson', status: 'ROLLED BACK' },
      ],
      rollback: 'wave canary ABORTED; rolled back … on all devices',
    });
  });
});
