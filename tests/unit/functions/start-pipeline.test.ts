import { Metrics } from '@aws-lambda-powertools/metrics';
import { EXECUTION_NAME } from '../../../functions/shared/names';
import { getFleetRecord } from '../../../functions/shared/state-store';
import { executionName, parseEvent } from '../../../functions/start-pipeline/decide';
import { startPipeline } from '../../../functions/start-pipeline/start-pipeline';
import { type LocalTable, startLocalTable } from '../../helpers/dynalite';
import { fakeSfn } from '../../helpers/fake-sfn';
import { localStageConfig, sampleEvent, silentLogger } from '../../helpers/fixtures';

const MACHINE =
  'arn:aws:states:us-east-1:000000000000:stateMachine:edge-mlops-local-edge-deployment';
let db: LocalTable;
beforeAll(async () => {
  db = await startLocalTable();
});
afterAll(() => db.close());

/** Each test gets its own model group name, so state never leaks between tests. */
let groupCounter = 0;
const setup = () => {
  const group = `group-${++groupCounter}`;
  const stageConfig = localStageConfig();
  stageConfig.modelGroups[group] = stageConfig.modelGroups['defect-detector']!;
  const sfn = fakeSfn();
  const deps = {
    sfn: sfn.client,
    store: { dynamo: db.doc, table: db.table },
    logger: silentLogger(),
    metrics: new Metrics({ namespace: 'test', serviceName: 'test' }),
    config: { stage: 'local', stageConfig, stateMachineArn: MACHINE },
  };
  const event = (
    status: string,
    version = 7,
    lastModified = '2026-11-20T09:15:01Z',
    id = `${status}-${version}-${lastModified}`,
  ) => {
    const e = sampleEvent('model-package-approved.json') as any;
    e.id = id;
    e.detail.ModelPackageGroupName = group;
    e.detail.ModelPackageVersion = version;
    e.detail.ModelPackageArn = `arn:aws:sagemaker:us-east-1:000000000000:model-package/${group}/${version}`;
    e.detail.ModelApprovalStatus = status;
    e.detail.LastModifiedTime = lastModified;
    return e;
  };
  return { group, sfn, deps, event };
};

describe('startPipeline', () => {
  it('starts one execution with a deterministic name and the model package as input', async () => {
    // Prepare
    const { deps, sfn, event } = setup();
    // Act
    const decision = await startPipeline(event('Approved'), deps);
    // Assess
    expect(decision).toMatchObject({ decision: 'started' });
    const start = sfn.calls.find((c) => c.op === 'StartExecutionCommand')!.input;
    expect(start.name).toMatch(EXECUTION_NAME.pattern);
    expect(JSON.parse(start.input)).toEqual({
      modelPackageArn: expect.stringMatching(/model-package\/group-\d+\/7$/),
      modelPackageGroupName: expect.stringMatching(/^group-/),
      modelPackageVersion: 7,
      trigger: { source: 'model-registry', approvedAt: '2026-11-20T09:15:01.000Z' },
    });
  });

  it('absorbs duplicate deliveries: every one asks for the same execution name, one execution exists', async () => {
    // Prepare
    const { deps, sfn, event } = setup();
    // Act: EventBridge redelivers (same id) and SageMaker re-emits (new id, same change).
    await startPipeline(event('Approved', 7, '2026-11-20T09:15:01Z', 'a'), deps);
    await startPipeline(event('Approved', 7, '2026-11-20T09:15:01Z', 'a'), deps);
    await startPipeline(event('Approved', 7, '2026-11-20T09:15:01Z', 'b'), deps);
    // Assess
    const names = sfn.calls
      .filter((c) => c.op === 'StartExecutionCommand')
      .map((c) => c.input.name);
    expect(new Set(names).size).toBe(1);
    expect(sfn.executions.size).toBe(1);
  });

  it('treats ExecutionAlreadyExists for a finished execution as a duplicate, not an error', async () => {
    // Prepare
    const { deps, sfn, event } = setup();
    await startPipeline(event('Approved'), deps);
    for (const e of sfn.executions.values()) e.status = 'SUCCEEDED';
    // Act & Assess
    await expect(startPipeline(event('Approved'), deps)).resolves.toMatchObject({
      decision: 'duplicate',
    });
  });

  it('gives a re-approval (new LastModifiedTime) an execution of its own', () => {
    // Prepare
    const { event } = setup();
    // Act & Assess
    expect(executionName(parseEvent(event('Approved', 7, '2026-11-20T09:15:01Z')))).not.toBe(
      executionName(parseEvent(event('Approved', 7, '2026-11-23T10:00:00Z'))),
    );
  });

  it('ignores statuses that need no action, with the reason', async () => {
    // Prepare
    const { deps, sfn, event } = setup();
    // Act & Assess
    await expect(startPipeline(event('PendingManualApproval'), deps)).resolves.toEqual({
      decision: 'ignored',
      reason: 'status PendingManualApproval needs no action (only Approved and Rejected do)',
    });
    expect(sfn.calls).toEqual([]);
  });

  it('ignores a model group without a profile, with the reason', async () => {
    // Prepare
    const { deps, event } = setup();
    const e = event('Approved');
    e.detail.ModelPackageGroupName = 'not-configured';
    e.detail.ModelPackageArn =
      'arn:aws:sagemaker:us-east-1:000000000000:model-package/not-configured/7';
    // Act & Assess
    await expect(startPipeline(e, deps)).resolves.toEqual({
      decision: 'ignored',
      reason: 'model package group not-configured has no profile in config/local.yml',
    });
  });

  it('refuses a malformed event with InvalidEvent naming every bad field', async () => {
    // Prepare
    const { deps } = setup();
    // Act & Assess
    await expect(
      startPipeline(sampleEvent('malformed-model-package-event.json'), deps),
    ).rejects.toMatchObject({
      name: 'InvalidEvent',
      message:
        'malformed model package event d4c3b2a1-0f9e-4d8c-b7a6-958473625140: detail.ModelPackageVersion: Invalid input: expected number, received string; detail.ModelPackageArn: Invalid input: expected string, received undefined',
    });
  });

  it('refuses an ARN that does not name the event group and version', async () => {
    // Prepare
    const { deps, event } = setup();
    const e = event('Approved');
    e.detail.ModelPackageVersion = 8;
    // Act & Assess
    await expect(startPipeline(e, deps)).rejects.toMatchObject({
      name: 'InvalidEvent',
      message: expect.stringContaining('does not name group'),
    });
  });

  it('resolves an out-of-order Rejected-then-older-Approved pair to the later truth (Rejected)', async () => {
    // Prepare
    const { deps, sfn, event } = setup();
    // Act: the rejection (later) arrives before the approval (earlier).
    const rejected = await startPipeline(event('Rejected', 7, '2026-11-22T14:03:39Z'), deps);
    const approved = await startPipeline(event('Approved', 7, '2026-11-20T09:15:01Z'), deps);
    // Assess
    expect(rejected).toMatchObject({ decision: 'rejected', stopped: [] });
    expect(approved).toMatchObject({
      decision: 'stale',
      reason: expect.stringContaining('Rejected at 2026-11-22T14:03:39.000Z is later'),
    });
    expect(sfn.executions.size).toBe(0);
  });

  it('stops the running execution of a version rejected after its approval', async () => {
    // Prepare
    const { deps, sfn, event } = setup();
    const started = (await startPipeline(event('Approved', 7, '2026-11-20T09:15:01Z'), deps)) as {
      executionArn: string;
    };
    // Act
    const decision = await startPipeline(event('Rejected', 7, '2026-11-22T14:03:39Z'), deps);
    // Assess
    expect(decision).toMatchObject({
      decision: 'rejected',
      stopped: [started.executionArn],
      liveOn: [],
    });
    expect(sfn.calls.find((c) => c.op === 'StopExecutionCommand')?.input).toMatchObject({
      executionArn: started.executionArn,
      error: 'ModelRejected',
    });
  });

  it('does not start an older version once a newer one of the group is approved', async () => {
    // Prepare
    const { deps, event } = setup();
    await startPipeline(event('Approved', 8, '2026-11-21T09:00:00Z'), deps);
    // Act & Assess
    await expect(
      startPipeline(event('Approved', 7, '2026-11-21T09:30:00Z'), deps),
    ).resolves.toMatchObject({ decision: 'superseded' });
  });

  it('starts a rollback execution when the rejected version is live on a fleet', async () => {
    // Prepare
    const { deps, sfn, event, group } = setup();
    const arn = `arn:aws:sagemaker:us-east-1:000000000000:model-package/${group}/7`;
    await db.doc.send(
      new (await import('@aws-sdk/lib-dynamodb')).PutCommand({
        TableName: db.table,
        Item: {
          pk: `fleet#${group}#field-rpi`,
          sk: 'state',
          lastGood: {
            modelPackageArn: arn,
            modelPackageVersion: 7,
            components: {},
            executionArn: 'x',
            at: '2026-11-21T00:00:00Z',
          },
        },
      }),
    );
    // Act
    const decision = await startPipeline(event('Rejected', 7, '2026-11-22T14:03:39Z'), deps);
    // Assess
    expect(decision).toMatchObject({
      decision: 'rejected',
      liveOn: ['field-rpi'],
      rollbackExecutionArn: expect.stringContaining(':rollback-group-'),
    });
    const start = sfn.calls.find((c) => c.op === 'StartExecutionCommand')!.input;
    expect(JSON.parse(start.input)).toMatchObject({
      modelPackageVersion: 7,
      rollback: { fleets: ['field-rpi'] },
    });
    expect(
      (await getFleetRecord({ dynamo: db.doc, table: db.table }, group, 'field-rpi')).lastGood
        ?.modelPackageArn,
    ).toBe(arn);
  });
});
