import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GreengrassV2Client, ListDeploymentsCommand } from '@aws-sdk/client-greengrassv2';
import { DescribeJobCommand, IoTClient, ListJobExecutionsForJobCommand } from '@aws-sdk/client-iot';
import {
  CreateBucketCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  CreateCompilationJobCommand,
  DescribeCompilationJobCommand,
  DescribeEdgePackagingJobCommand,
  DescribeModelPackageCommand,
  SageMakerClient,
  UpdateModelPackageCommand,
} from '@aws-sdk/client-sagemaker';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { Emulator } from '../../emulator/emulator';
import { functionArn } from '../../emulator/runtime/functions';
import { loadStageConfig } from '../../functions/shared/stage-config/load';

/**
 * The emulator is at least as strict as AWS: every request is checked against the
 * operation's constraints in AWS's service model (emulator/validate.ts), responses carry what
 * the model marks required, injected faults use the modelled error codes, and Step Functions
 * enforces its history and payload quotas. Each test is one deliberately wrong call.
 */
const ROOT = join(__dirname, '../..');
const event = JSON.parse(readFileSync(join(ROOT, 'events/model-package-approved.json'), 'utf8'));
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const opts = () => ({ endpoint: emulator.url, region: 'us-east-1', credentials, maxAttempts: 1 });

let emulator: Emulator;
let sagemaker: SageMakerClient;
let sfn: SFNClient;
beforeAll(async () => {
  emulator = await Emulator.start({
    config: loadStageConfig(join(ROOT, 'config/local.yml')),
    configFile: join(ROOT, 'config/local.yml'),
  });
  await emulator.seed(event);
  sagemaker = new SageMakerClient(opts());
  sfn = new SFNClient(opts());
}, 60_000);
afterAll(() => emulator.close());

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a refusal');
    },
    (e: Error & { $metadata?: { httpStatusCode?: number }; Code?: string }) => ({
      name: e.name,
      status: e.$metadata?.httpStatusCode,
      message: e.message,
    }),
  );

describe('requests are validated against the service models', () => {
  it('refuses a request missing a required member', async () => {
    expect(await refusal(sagemaker.send(new DescribeCompilationJobCommand({} as never)))).toEqual({
      name: 'ValidationException',
      status: 400,
      message:
        "1 validation error detected: Value null at 'compilationJobName' failed to satisfy constraint: Member must not be null",
    });
  });

  it('refuses a name longer than the model allows', async () => {
    const r = await refusal(
      sagemaker.send(new DescribeEdgePackagingJobCommand({ EdgePackagingJobName: 'a'.repeat(64) })),
    );
    expect(r).toMatchObject({ name: 'ValidationException', status: 400 });
    expect(r.message).toContain('Member must have length less than or equal to 63');
  });

  it('refuses maxResults over the limit (Greengrass 100, IoT 250, Step Functions 1000)', async () => {
    const greengrass = new GreengrassV2Client(opts());
    const gg = await refusal(greengrass.send(new ListDeploymentsCommand({ maxResults: 500 })));
    expect(gg).toMatchObject({ name: 'ValidationException', status: 400 });
    expect(gg.message).toContain(
      "at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 100",
    );
    const iot = new IoTClient(opts());
    expect(
      await refusal(iot.send(new ListJobExecutionsForJobCommand({ jobId: 'j', maxResults: 500 }))),
    ).toMatchObject({ name: 'InvalidRequestException', status: 400 });
    expect(
      await refusal(
        sfn.send(
          new GetExecutionHistoryCommand({
            executionArn: `arn:aws:states:us-east-1:000000000000:execution:m:e`,
            maxResults: 5000,
          }),
        ),
      ),
    ).toMatchObject({ name: 'ValidationException', status: 400 });
  });

  it('refuses an enum value the model does not list', async () => {
    const r = await refusal(
      sagemaker.send(
        new UpdateModelPackageCommand({
          ModelPackageArn: event.detail.ModelPackageArn,
          ModelApprovalStatus: 'Approve' as never,
        }),
      ),
    );
    expect(r).toMatchObject({ name: 'ValidationException', status: 400 });
    expect(r.message).toContain(
      'Member must satisfy enum value set: [Approved, Rejected, PendingManualApproval]',
    );
  });

  it('answers SNS InvalidParameter in the query XML format', async () => {
    const sns = new SNSClient(opts());
    const r = await refusal(
      sns.send(new PublishCommand({ TopicArn: 'arn:aws:sns:us-east-1:000000000000:t' } as never)),
    );
    expect(r).toMatchObject({ name: 'InvalidParameterException', status: 400 });
    expect(r.message).toContain("Value null at 'message'");
  });
});

describe('responses carry the members AWS marks required', () => {
  it('DescribeModelPackage names the package', async () => {
    const pkg = await sagemaker.send(
      new DescribeModelPackageCommand({ ModelPackageName: event.detail.ModelPackageArn }),
    );
    expect(pkg).toMatchObject({
      ModelPackageName: event.detail.ModelPackageGroupName,
      ModelPackageArn: event.detail.ModelPackageArn,
      ModelPackageStatus: expect.any(String),
      ModelPackageStatusDetails: expect.any(Object),
    });
    expect(pkg.CreationTime).toBeInstanceOf(Date);
  });

  it('DescribeCompilationJob of a running job has FailureReason and ModelArtifacts', async () => {
    await sagemaker.send(
      new CreateCompilationJobCommand({
        CompilationJobName: 'required-members',
        RoleArn: 'arn:aws:iam::000000000000:role/neo',
        InputConfig: {
          S3Uri: 's3://edge-mlops-local-models/m.tar.gz',
          Framework: 'PYTORCH',
          DataInputConfig: '{"input0":[1,3,224,224]}',
        },
        OutputConfig: { S3OutputLocation: 's3://out/x/', TargetDevice: 'rasp4b' },
        StoppingCondition: { MaxRuntimeInSeconds: 900 },
      }),
    );
    const job = await sagemaker.send(
      new DescribeCompilationJobCommand({ CompilationJobName: 'required-members' }),
    );
    expect(job.FailureReason).toBeDefined();
    expect(job.ModelArtifacts?.S3ModelArtifacts).toEqual(expect.any(String));
  });
});

describe('injected faults use the modelled error codes', () => {
  afterEach(() => {
    emulator.world.options.failingOperations = [];
  });
  it('IoT answers ServiceUnavailableException (503)', async () => {
    emulator.world.options.failingOperations = ['iot.DescribeJob'];
    expect(
      await refusal(new IoTClient(opts()).send(new DescribeJobCommand({ jobId: 'j' }))),
    ).toMatchObject({ name: 'ServiceUnavailableException', status: 503 });
  });
  it('SNS answers InternalError (500) in its XML', async () => {
    emulator.world.options.failingOperations = ['sns.Publish'];
    expect(
      await refusal(
        new SNSClient(opts()).send(
          new PublishCommand({ TopicArn: 'arn:aws:sns:us-east-1:000000000000:t', Message: 'm' }),
        ),
      ),
    ).toMatchObject({ name: 'InternalErrorException', status: 500 });
  });

  it('counts as injected only the faults it injected, not a call refused on its merits', async () => {
    // Prepare
    const faultsNow = async () =>
      ((await (await fetch(`${emulator.url}/_emulator/state`)).json()) as { faults: number })
        .faults;
    const before = await faultsNow();
    // Act: one call AWS itself would refuse (no such execution), then one simulated outage.
    const unknown = await refusal(
      sfn.send(
        new DescribeExecutionCommand({
          executionArn:
            'arn:aws:states:us-east-1:000000000000:execution:edge-mlops-local-edge-deployment:none',
        }),
      ),
    );
    const afterRefusal = await faultsNow();
    emulator.world.options.failingOperations = ['iot.DescribeJob'];
    await refusal(new IoTClient(opts()).send(new DescribeJobCommand({ jobId: 'j' })));
    // Assess
    expect(unknown).toMatchObject({ name: 'ExecutionDoesNotExist', status: 400 });
    expect(afterRefusal).toBe(before);
    expect(await faultsNow()).toBe(before + 1);
  });
});

describe('presigned S3 URLs expire on the emulator clock', () => {
  it('works until X-Amz-Date + X-Amz-Expires, then S3 answers 403 Request has expired', async () => {
    const s3 = new S3Client({ ...opts(), forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: 'presign-check' }));
    await s3.send(new PutObjectCommand({ Bucket: 'presign-check', Key: 'r.json', Body: '{}' }));
    // Signed as the functions sign: at the emulator's time, which runs ahead of this computer.
    const url = await getSignedUrl(
      s3,
      new GetObjectCommand({ Bucket: 'presign-check', Key: 'r.json' }),
      {
        expiresIn: 60,
        signingDate: new Date(emulator.world.clock.now()),
      },
    );
    expect((await fetch(url)).status).toBe(200);
    emulator.world.clock.jumpTo(emulator.world.clock.now() + 61_000);
    const late = await fetch(url);
    expect(late.status).toBe(403);
    expect(await late.text()).toContain('<Message>Request has expired</Message>');
  });
});

describe('Step Functions history shapes and quotas', () => {
  const run = async (name: string, definition: unknown, input = '{}') => {
    const machine = emulator.sfn.createStateMachine(
      name,
      definition as never,
      'arn:aws:iam::000000000000:role/test',
    );
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: machine.arn, name: `${name}-1`, input }),
    );
    await emulator.sfn.executions.get(executionArn!)!.done;
    return executionArn!;
  };
  const history = async (executionArn: string) => {
    const events: HistoryEvent[] = [];
    let nextToken: string | undefined;
    do {
      const page = await sfn.send(
        new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, nextToken }),
      );
      events.push(...(page.events ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    return events;
  };

  it('fails an execution whose state output is over 256 KB with States.DataLimitExceeded', async () => {
    const arn = await run('too-big', {
      StartAt: 'Big',
      States: { Big: { Type: 'Pass', Result: 'x'.repeat(300_000), End: true } },
    });
    expect(await sfn.send(new DescribeExecutionCommand({ executionArn: arn }))).toMatchObject({
      status: 'FAILED',
      error: 'States.DataLimitExceeded',
    });
  });

  it('fails an execution at its 25,000th history event', async () => {
    const arn = await run('loop', {
      StartAt: 'Again',
      States: {
        Again: { Type: 'Pass', Next: 'Stop?' },
        'Stop?': {
          Type: 'Choice',
          Choices: [{ Variable: '$.stop', IsPresent: true, Next: 'Done' }],
          Default: 'Again',
        },
        Done: { Type: 'Succeed' },
      },
    });
    const events = await history(arn);
    expect(events).toHaveLength(25_000);
    expect(events.at(-1)).toMatchObject({
      type: 'ExecutionFailed',
      executionFailedEventDetails: { error: 'States.Runtime' },
    });
    expect(await sfn.send(new DescribeExecutionCommand({ executionArn: arn }))).toMatchObject({
      status: 'FAILED',
      redriveStatus: 'NOT_REDRIVABLE',
    });
  }, 120_000);

  it('records Map iterations and TaskScheduled with AWS shapes', async () => {
    const arn = await run(
      'shapes',
      {
        StartAt: 'Each',
        States: {
          Each: {
            Type: 'Map',
            ItemsPath: '$.items',
            ItemProcessor: { StartAt: 'Item', States: { Item: { Type: 'Pass', End: true } } },
            Next: 'Callback',
          },
          Callback: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
            Parameters: {
              FunctionName: functionArn('recordResult'),
              Payload: { 'token.$': '$$.Task.Token' },
            },
            TimeoutSeconds: 1,
            End: true,
          },
        },
      },
      JSON.stringify({ items: [1, 2] }),
    );
    const events = await history(arn);
    expect(events.filter((e) => e.type === 'MapIterationStarted')).toEqual([
      expect.objectContaining({ mapIterationStartedEventDetails: { name: 'Each', index: 0 } }),
      expect.objectContaining({ mapIterationStartedEventDetails: { name: 'Each', index: 1 } }),
    ]);
    expect(events.find((e) => e.type === 'MapIterationSucceeded')).toMatchObject({
      mapIterationSucceededEventDetails: { name: 'Each' },
    });
    const scheduled = events.find((e) => e.type === 'TaskScheduled');
    expect(scheduled?.taskScheduledEventDetails).toMatchObject({
      resourceType: 'lambda',
      resource: 'invoke.waitForTaskToken',
      region: 'us-east-1',
      parameters: expect.stringContaining('FunctionName'),
    });
    expect(events.find((e) => e.type === 'TaskStarted')?.taskStartedEventDetails).toEqual({
      resourceType: 'lambda',
      resource: 'invoke.waitForTaskToken',
    });
  }, 60_000);
  it('starts no further Map iteration once one failed: its tasks never run (MaxConcurrency 1)', async () => {
    // Prepare: each iteration starts with a task; the first one fails (its input is refused).
    const calls = () => emulator.functions.invocations.filter((i) => i.key === 'resolveModel');
    const before = calls().length;
    // Act
    const arn = await run(
      'stops-at-first-failure',
      {
        StartAt: 'Each',
        States: {
          Each: {
            Type: 'Map',
            ItemsPath: '$.items',
            MaxConcurrency: 1,
            ItemProcessor: {
              StartAt: 'Work',
              States: { Work: { Type: 'Task', Resource: functionArn('resolveModel'), End: true } },
            },
            End: true,
          },
        },
      },
      JSON.stringify({ items: [{ bad: 1 }, { bad: 2 }] }),
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    // Assess: the Map failed with the first iteration; the second never called its function.
    expect(await sfn.send(new DescribeExecutionCommand({ executionArn: arn }))).toMatchObject({
      status: 'FAILED',
    });
    expect(calls().length - before).toBe(1);
  }, 60_000);

  it('fails a callback task whose TimeoutSecondsPath is not a positive integer with States.Runtime', async () => {
    // Act
    const arn = await run(
      'zero-timeout',
      {
        StartAt: 'Callback',
        States: {
          Callback: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
            Parameters: {
              FunctionName: functionArn('recordResult'),
              Payload: { 'token.$': '$$.Task.Token' },
            },
            TimeoutSecondsPath: '$.wait',
            End: true,
          },
        },
      },
      JSON.stringify({ wait: 0 }),
    );
    // Assess
    expect(await sfn.send(new DescribeExecutionCommand({ executionArn: arn }))).toMatchObject({
      status: 'FAILED',
      error: 'States.Runtime',
    });
  });

  it('gives every entry into a callback task a token of its own: the first, timed out, resumes nothing', async () => {
    // Prepare: the task times out twice (Catch States.Timeout loops back once).
    const arn = await run('two-entries', {
      StartAt: 'Callback',
      States: {
        Callback: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
          // watchWave waits for its timeout alone when the wave names no IoT job.
          Parameters: {
            FunctionName: functionArn('watchWave'),
            Payload: {
              'taskToken.$': '$$.Task.Token',
              wave: { poll: { deadline: '2030-01-01T00:00:00.000Z' } },
            },
          },
          TimeoutSeconds: 1,
          Catch: [{ ErrorEquals: ['States.Timeout'], ResultPath: '$.timedOut', Next: 'Again?' }],
          End: true,
        },
        'Again?': {
          Type: 'Choice',
          Choices: [{ Variable: '$.again', IsPresent: true, Next: 'Done' }],
          Default: 'Mark',
        },
        Mark: { Type: 'Pass', Result: true, ResultPath: '$.again', Next: 'Callback' },
        Done: { Type: 'Succeed' },
      },
    });
    // Act: the tokens the two entries handed to their function
    const tokens = (await history(arn))
      .filter((e) => e.type === 'TaskScheduled')
      .map((e) => JSON.parse(e.taskScheduledEventDetails!.parameters!).Payload.taskToken as string);
    // Assess
    expect(tokens).toHaveLength(2);
    expect(tokens[0]).not.toBe(tokens[1]);
    await expect(
      sfn.send(new SendTaskSuccessCommand({ taskToken: tokens[0]!, output: '{}' })),
    ).rejects.toMatchObject({ name: 'TaskTimedOut' });
  });
});
