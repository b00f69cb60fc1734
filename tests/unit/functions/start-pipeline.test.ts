import { Metrics } from '@aws-lambda-powertools/metrics';
import { EXECUTION_NAME } from '../../../functions/shared/names';
import { getPackageStatus } from '../../../functions/shared/registry-store';
import { getFleetRecord } from '../../../functions/shared/state-store';
import { executionName, parseEvent } from '../../../functions/start-pipeline/decide';
import { SQS_MESSAGE_LIMIT } from '../../../functions/start-pipeline/failure-record';
import { ingest, startPipeline } from '../../../functions/start-pipeline/start-pipeline';
import { type LocalTable, startLocalTable } from '../../helpers/dynalite';
import { fakeSfn } from '../../helpers/fake-sfn';
import { localStageConfig, sampleEvent, silentLogger } from '../../helpers/fixtures';

const MACHINE =
  'arn:aws:states:us-east-1:000000000000:stateMachine:edge-mlops-local-edge-deployment';
const ROLLBACK_MACHINE = 'arn:aws:states:us-east-1:000000000000:stateMachine:rollback';
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
    config: {
      stage: 'local',
      stageConfig,
      stateMachineArn: MACHINE,
      rollbackStateMachineArn: ROLLBACK_MACHINE,
    },
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

  it('starts a rollback execution of the rollback state machine when the rejected version is live on a fleet', async () => {
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
      rollbackExecutionArn: expect.stringMatching(/:execution:rollback:rollback-group-/),
    });
    const start = sfn.calls.find((c) => c.op === 'StartExecutionCommand')!.input;
    expect(start.stateMachineArn).toBe(ROLLBACK_MACHINE);
    expect(JSON.parse(start.input)).toMatchObject({
      modelPackageVersion: 7,
      rollback: { fleets: ['field-rpi'] },
    });
    expect(
      (await getFleetRecord({ dynamo: db.doc, table: db.table }, group, 'field-rpi')).lastGood
        ?.modelPackageArn,
    ).toBe(arn);
  });

  it('refuses far-future and out-of-range timestamps before storing anything', async () => {
    // Prepare
    const { deps, sfn, event } = setup();
    const cases: [string, unknown, string][] = [
      ['far future', '9999-12-31T23:59:59Z', 'detail.LastModifiedTime: is out of range'],
      ['beyond any date', 1e300, 'detail.LastModifiedTime: is not a timestamp'],
      ['seconds, not milliseconds', 1_795_132_800, 'detail.LastModifiedTime: is out of range'],
      ['not a date', 'yesterday', 'detail.LastModifiedTime: is not a timestamp'],
    ];
    for (const [, value, message] of cases) {
      const e = event('Approved');
      e.detail.LastModifiedTime = value;
      // Act & Assess
      await expect(startPipeline(e, deps)).rejects.toMatchObject({
        name: 'InvalidEvent',
        message: expect.stringContaining(message),
      });
      expect(await getPackageStatus(deps.store, e.detail.ModelPackageArn)).toBeUndefined();
    }
    const late = event('Approved');
    late.time = '3000-01-01T00:00:00Z';
    delete late.detail.LastModifiedTime;
    await expect(startPipeline(late, deps)).rejects.toMatchObject({
      message: expect.stringContaining('time: is out of range'),
    });
    expect(sfn.calls).toEqual([]);
  });

  it('never lets a refused future timestamp make a later genuine Rejected look stale', async () => {
    // Prepare: an Approved with a far-future time is refused; one stored before times were
    // checked sits in the table of another package.
    const { deps, sfn, event, group } = setup();
    const future = event('Approved', 7, '2999-01-01T00:00:00Z');
    await expect(startPipeline(future, deps)).rejects.toMatchObject({ name: 'InvalidEvent' });
    const legacyArn = `arn:aws:sagemaker:us-east-1:000000000000:model-package/${group}/8`;
    const { PutCommand } = await import('@aws-sdk/lib-dynamodb');
    await db.doc.send(
      new PutCommand({
        TableName: db.table,
        Item: {
          pk: `package#${legacyArn}`,
          sk: 'status',
          status: 'Approved',
          statusTime: Date.parse('9999-12-31T00:00:00Z'),
          eventId: 'legacy',
        },
      }),
    );
    // Act
    const rejected7 = await startPipeline(event('Rejected', 7, '2026-11-22T14:03:39Z'), deps);
    const rejected8 = await startPipeline(event('Rejected', 8, '2026-11-22T14:03:39Z'), deps);
    // Assess
    expect(rejected7).toMatchObject({ decision: 'rejected' });
    expect(rejected8).toMatchObject({ decision: 'rejected' });
    expect((await getPackageStatus(deps.store, legacyArn))?.status).toBe('Rejected');
    expect(sfn.executions.size).toBe(0);
  });

  it('starts one execution for two deliveries of one approval without LastModifiedTime', async () => {
    // Prepare: SageMaker's duplicates of one change have new ids and need not carry the time.
    const { deps, sfn, event } = setup();
    const first = event('Approved', 7, '2026-11-20T09:15:01Z', 'first');
    const second = event('Approved', 7, '2026-11-20T09:15:01Z', 'second');
    for (const e of [first, second]) delete e.detail.LastModifiedTime;
    second.time = '2026-11-20T09:15:04Z';
    // Act
    const a = await startPipeline(first, deps);
    const b = await startPipeline(second, deps);
    // Assess
    expect(a).toMatchObject({ decision: 'started' });
    expect(b).toMatchObject({ decision: 'duplicate', executionName: (a as any).executionName });
    expect(sfn.executions.size).toBe(1);
  });

  it('starts nothing for Approved → Approved (our own metadata write), but a new execution after a re-approval', async () => {
    // Prepare
    const { deps, sfn, event } = setup();
    const started = await startPipeline(event('Approved', 7, '2026-11-20T09:15:01Z'), deps);
    // Act: the outcome written as CustomerMetadataProperties emits an event with a new time.
    const metadata = await startPipeline(event('Approved', 7, '2026-11-20T11:40:00Z'), deps);
    for (const e of sfn.executions.values()) e.status = 'SUCCEEDED';
    const metadataLater = await startPipeline(event('Approved', 7, '2026-11-20T11:41:00Z'), deps);
    // Assess
    expect(metadata).toMatchObject({
      decision: 'duplicate',
      executionName: (started as any).executionName,
    });
    expect(metadataLater).toMatchObject({ decision: 'duplicate' });
    expect(sfn.executions.size).toBe(1);
    // A genuine re-approval (Rejected in between) is a new approval.
    await startPipeline(event('Rejected', 7, '2026-11-21T08:00:00Z'), deps);
    const again = await startPipeline(event('Approved', 7, '2026-11-22T08:00:00Z'), deps);
    expect(again).toMatchObject({ decision: 'started' });
    expect(sfn.executions.size).toBe(2);
  });

  it('completes a start that was lost after the approval was recorded', async () => {
    // Prepare: StartExecution fails once (Lambda retries with the same event).
    const { deps, sfn, event } = setup();
    const send = deps.sfn.send.bind(deps.sfn);
    let failures = 1;
    deps.sfn = {
      send: (command: any) => {
        if (command.constructor.name === 'StartExecutionCommand' && failures-- > 0)
          return Promise.reject(
            Object.assign(new Error('slow down'), { name: 'ThrottlingException' }),
          );
        return send(command);
      },
    } as any;
    await expect(startPipeline(event('Approved'), deps)).rejects.toThrow();
    // Act
    const retried = await startPipeline(event('Approved'), deps);
    // Assess
    expect(retried).toMatchObject({ decision: 'started' });
    expect(sfn.executions.size).toBe(1);
  });

  it('refuses a package from an account or region the stage does not list, storing nothing', async () => {
    // Prepare
    const { deps, sfn, event, group } = setup();
    const foreign = (account: string, region: string) => {
      const e = event('Approved');
      e.detail.ModelPackageArn = `arn:aws:sagemaker:${region}:${account}:model-package/${group}/7`;
      return e;
    };
    // Act & Assess
    await expect(startPipeline(foreign('111122223333', 'us-east-1'), deps)).rejects.toMatchObject({
      name: 'UnlistedRegistry',
      message: `model package arn:aws:sagemaker:us-east-1:111122223333:model-package/${group}/7 (event Approved-7-2026-11-20T09:15:01Z) is refused: its account 111122223333 is not in registry.accounts (000000000000); nothing was recorded or started`,
    });
    await expect(startPipeline(foreign('000000000000', 'eu-west-1'), deps)).rejects.toMatchObject({
      message: expect.stringContaining(
        'its region eu-west-1 is not in registry.regions (us-east-1)',
      ),
    });
    expect(
      await getPackageStatus(
        deps.store,
        `arn:aws:sagemaker:us-east-1:111122223333:model-package/${group}/7`,
      ),
    ).toBeUndefined();
    expect(sfn.calls).toEqual([]);
    // Listed in the stage config: accepted.
    deps.config.stageConfig.registry = {
      accounts: ['000000000000', '111122223333'],
      regions: ['us-east-1', 'eu-west-1'],
    };
    await expect(startPipeline(foreign('111122223333', 'eu-west-1'), deps)).resolves.toMatchObject({
      decision: 'started',
    });
  });

  it('keeps failure records under the SQS limit whatever the event size', async () => {
    // Prepare: a 300 KB approval (large metadata) whose start fails for good.
    const { deps, event } = setup();
    const records: string[] = [];
    const big = event('Approved');
    big.detail.CustomerMetadataProperties = { notes: 'x'.repeat(300_000) };
    deps.sfn = {
      send: () =>
        Promise.reject(
          Object.assign(new Error('no such machine'), { name: 'StateMachineDoesNotExist' }),
        ),
    } as any;
    const withQueue = { ...deps, deadLetter: async (r: string) => void records.push(r) };
    const context = {
      functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f',
      requestId: 'r1',
    };
    // Act
    const decision = await ingest(big, withQueue, context);
    // Assess: one record, within the limit, that still says what to replay and why.
    expect(decision).toMatchObject({ decision: 'dead-lettered' });
    expect(records).toHaveLength(1);
    expect(Buffer.byteLength(records[0]!)).toBeLessThanOrEqual(SQS_MESSAGE_LIMIT);
    const record = JSON.parse(records[0]!);
    expect(record.responsePayload.errorType).toBeDefined();
    expect(record.requestPayload['edge-mlops:truncated'].bytes).toBeGreaterThan(300_000);
    expect(parseEvent(record.requestPayload).detail).toMatchObject({
      ModelPackageArn: big.detail.ModelPackageArn,
      ModelApprovalStatus: 'Approved',
    });
  });

  it('keeps the error of a hostile event short enough for Lambda’s own failure record', async () => {
    // Prepare: an event small enough for Lambda's record whose fields echo into the message.
    const { deps } = setup();
    const hostile = sampleEvent('malformed-model-package-event.json') as any;
    hostile.id = 'i'.repeat(200_000);
    hostile.detail.ModelApprovalStatus = 's'.repeat(10_000);
    // Act
    const error = await ingest(hostile, deps, { functionArn: 'f', requestId: 'r' }).catch((e) => e);
    // Assess
    expect(error.name).toBe('InvalidEvent');
    expect(Buffer.byteLength(error.message)).toBeLessThanOrEqual(4096);
    expect(error.message).toContain('detail.ModelPackageVersion');
  });

  it('acts once on a rejection: Rejected → Rejected (our outcome write) stops nothing and rolls back nothing again', async () => {
    // Prepare: version 7 runs and is live on a fleet; it is rejected.
    const { deps, sfn, event, group } = setup();
    await startPipeline(event('Approved', 7, '2026-11-20T09:15:01Z'), deps);
    const { PutCommand } = await import('@aws-sdk/lib-dynamodb');
    await db.doc.send(
      new PutCommand({
        TableName: db.table,
        Item: {
          pk: `fleet#${group}#field-rpi`,
          sk: 'state',
          lastGood: {
            modelPackageArn: `arn:aws:sagemaker:us-east-1:000000000000:model-package/${group}/7`,
            modelPackageVersion: 7,
            components: {},
            executionArn: 'x',
            at: '2026-11-21T00:00:00Z',
          },
        },
      }),
    );
    const first = await startPipeline(event('Rejected', 7, '2026-11-22T14:03:39Z'), deps);
    const starts = () => sfn.calls.filter((c) => c.op === 'StartExecutionCommand').length;
    const stops = () => sfn.calls.filter((c) => c.op === 'StopExecutionCommand').length;
    const [startsAfterFirst, stopsAfterFirst] = [starts(), stops()];
    // Act: the outcome written on the package emits Rejected again, with a new time.
    const again = await startPipeline(event('Rejected', 7, '2026-11-22T14:20:00Z'), deps);
    // Assess
    expect(first).toMatchObject({ decision: 'rejected', liveOn: ['field-rpi'] });
    expect(again).toEqual({
      decision: 'unchanged',
      reason: `${group} v7 was already Rejected; nothing to do`,
    });
    expect([starts(), stops()]).toEqual([startsAfterFirst, stopsAfterFirst]);
  });

  it('redoes a rejection when Lambda retries the same event after a failed attempt', async () => {
    // Prepare: the first attempt records the rejection, then StopExecution fails.
    const { deps, sfn, event } = setup();
    const started = (await startPipeline(event('Approved'), deps)) as { executionArn: string };
    const send = deps.sfn.send.bind(deps.sfn);
    let failures = 1;
    deps.sfn = {
      send: (command: any) => {
        if (command.constructor.name === 'StopExecutionCommand' && failures-- > 0)
          return Promise.reject(
            Object.assign(new Error('slow down'), { name: 'ThrottlingException' }),
          );
        return send(command);
      },
    } as any;
    const rejected = event('Rejected', 7, '2026-11-22T14:03:39Z');
    await expect(startPipeline(rejected, deps)).rejects.toThrow();
    // Act
    const retried = await startPipeline(rejected, deps);
    // Assess
    expect(retried).toMatchObject({ decision: 'rejected', stopped: [started.executionArn] });
    expect(sfn.executions.get(started.executionArn)?.status).toBe('ABORTED');
  });
});
