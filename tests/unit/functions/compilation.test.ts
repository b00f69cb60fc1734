import {
  CreateCompilationJobCommand,
  DescribeCompilationJobCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { checkCompilation } from '../../../functions/build-targets/check-compilation';
import { startCompilation } from '../../../functions/build-targets/start-compilation';
import type { Plan } from '../../../functions/shared/plan';
import { samplePlan, silentLogger, TEST_NEO_ROLE } from '../../helpers/fixtures';

const sagemaker = mockClient(SageMakerClient);
const NOW = new Date('2026-11-25T10:00:00Z');
const deps = (now = NOW) => ({
  sagemaker: new SageMakerClient({ region: 'us-east-1' }),
  logger: silentLogger(),
  now: () => now,
});
const resourceInUse = () =>
  Object.assign(new Error('Job name already exists'), {
    name: 'ResourceInUse',
    $metadata: { httpStatusCode: 400 },
  });

let plan: Plan;
beforeAll(async () => {
  plan = await samplePlan();
});
beforeEach(() => sagemaker.reset());

const itemFor = (p: Plan, index = 0) => ({ plan: p, target: p.targets[index]! });

describe('startCompilation', () => {
  it('starts a Neo job named after model version and target, with the exact request', async () => {
    // Prepare
    sagemaker.on(CreateCompilationJobCommand).resolves({
      CompilationJobArn: 'arn:aws:sagemaker:us-east-1:000000000000:compilation-job/x',
    });
    // Act
    const result = await startCompilation(itemFor(plan), deps());
    // Assess
    expect(result).toEqual({
      jobName: 'edge-local-defect-detector-v7-jetson-xavier',
      created: true,
      poll: {
        attempt: 0,
        waitSeconds: 30,
        deadline: '2026-11-25T10:45:00.000Z',
        maxWaitSeconds: 1800,
        minWaitSeconds: 30,
      },
    });
    expect(sagemaker).toHaveReceivedCommandTimes(CreateCompilationJobCommand, 1);
    expect(sagemaker).toHaveReceivedCommandWith(CreateCompilationJobCommand, {
      CompilationJobName: 'edge-local-defect-detector-v7-jetson-xavier',
      RoleArn: TEST_NEO_ROLE,
      InputConfig: {
        S3Uri: plan.modelDataUrl,
        Framework: 'PYTORCH',
        FrameworkVersion: '1.8',
        DataInputConfig: '{"input0":[1,3,224,224]}',
      },
      OutputConfig: {
        S3OutputLocation:
          's3://edge-mlops-test-artifacts/local/defect-detector/7/jetson-xavier/compiled/',
        TargetDevice: 'jetson_xavier',
      },
      StoppingCondition: { MaxRuntimeInSeconds: 900 },
    });
  });

  it('uses TargetPlatform and CompilerOptions when the profile gives a platform', async () => {
    // Prepare
    const p = await samplePlan((c) => {
      const target = c.modelGroups['defect-detector']!.targets[1]!;
      delete target.targetDevice;
      target.targetPlatform = { os: 'LINUX', arch: 'ARM_EABIHF' };
      target.compilerOptions = '{"mattr":["+neon"]}';
    });
    sagemaker.on(CreateCompilationJobCommand).resolves({});
    // Act
    await startCompilation(itemFor(p, 1), deps());
    // Assess
    const request = sagemaker.commandCalls(CreateCompilationJobCommand)[0]!.args[0].input;
    expect(request.OutputConfig).toEqual({
      S3OutputLocation: 's3://edge-mlops-test-artifacts/local/defect-detector/7/rpi4/compiled/',
      TargetPlatform: { Os: 'LINUX', Arch: 'ARM_EABIHF' },
      CompilerOptions: '{"mattr":["+neon"]}',
    });
  });

  it('treats an existing job with the same name and inputs as already started (second call creates nothing)', async () => {
    // Prepare
    sagemaker.on(CreateCompilationJobCommand).rejects(resourceInUse());
    sagemaker.on(DescribeCompilationJobCommand).resolves({
      CompilationJobName: 'edge-local-defect-detector-v7-jetson-xavier',
      CompilationJobStatus: 'INPROGRESS',
      InputConfig: { S3Uri: plan.modelDataUrl, Framework: 'PYTORCH' },
      OutputConfig: {
        S3OutputLocation:
          's3://edge-mlops-test-artifacts/local/defect-detector/7/jetson-xavier/compiled/',
        TargetDevice: 'jetson_xavier',
      },
    } as never);
    // Act
    const result = await startCompilation(itemFor(plan), deps());
    // Assess
    expect(result).toMatchObject({
      jobName: 'edge-local-defect-detector-v7-jetson-xavier',
      created: false,
    });
  });

  it('fails loudly when the job name is held by a job compiling another model', async () => {
    // Prepare
    sagemaker.on(CreateCompilationJobCommand).rejects(resourceInUse());
    sagemaker.on(DescribeCompilationJobCommand).resolves({
      CompilationJobStatus: 'COMPLETED',
      InputConfig: { S3Uri: 's3://elsewhere/model.tar.gz', Framework: 'PYTORCH' },
      OutputConfig: {
        S3OutputLocation:
          's3://edge-mlops-test-artifacts/local/defect-detector/7/jetson-xavier/compiled/',
        TargetDevice: 'jetson_xavier',
      },
    } as never);
    // Act & Assess
    await expect(startCompilation(itemFor(plan), deps())).rejects.toMatchObject({
      name: 'ResourceConflict',
      message: expect.stringContaining(
        'model is s3://elsewhere/model.tar.gz, expected s3://edge-mlops-local-models',
      ),
    });
  });

  it('throws TransientError on throttling so the state machine retries', async () => {
    // Prepare
    sagemaker.on(CreateCompilationJobCommand).rejects(
      Object.assign(new Error('slow down'), {
        name: 'ThrottlingException',
        $retryable: { throttling: true },
      }),
    );
    // Act & Assess
    await expect(startCompilation(itemFor(plan), deps())).rejects.toMatchObject({
      name: 'TransientError',
    });
  });

  it('lets a quota error through as a permanent failure', async () => {
    // Prepare
    sagemaker.on(CreateCompilationJobCommand).rejects(
      Object.assign(new Error('too many jobs'), {
        name: 'ResourceLimitExceeded',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    // Act & Assess
    await expect(startCompilation(itemFor(plan), deps())).rejects.toMatchObject({
      name: 'ResourceLimitExceeded',
    });
  });
});

describe('checkCompilation', () => {
  const polling = (attempt = 0) => ({
    ...itemFor(plan),
    compilation: {
      jobName: 'edge-local-defect-detector-v7-jetson-xavier',
      poll: { attempt, waitSeconds: 30, deadline: '2026-11-25T10:45:00.000Z' },
    },
  });

  it('returns the compiled artifact when the job COMPLETED', async () => {
    // Prepare
    sagemaker.on(DescribeCompilationJobCommand).resolves({
      CompilationJobStatus: 'COMPLETED',
      ModelArtifacts: { S3ModelArtifacts: 's3://b/compiled/model-jetson_xavier.tar.gz' },
    } as never);
    // Act
    const result = await checkCompilation(polling(), deps());
    // Assess
    expect(result).toMatchObject({
      status: 'COMPLETED',
      done: true,
      artifactUri: 's3://b/compiled/model-jetson_xavier.tar.gz',
    });
  });

  it.each(['FAILED', 'STOPPED'])(
    "surfaces SageMaker's FailureReason when the job is %s",
    async (status) => {
      // Prepare
      sagemaker.on(DescribeCompilationJobCommand).resolves({
        CompilationJobStatus: status,
        FailureReason: 'ClientError: InputConfiguration: Unable to load PyTorch model',
      } as never);
      // Act & Assess
      await expect(checkCompilation(polling(), deps())).rejects.toMatchObject({
        name: 'CompilationFailed',
        message: `compilation job edge-local-defect-detector-v7-jetson-xavier for target jetson-xavier ${status}: ClientError: InputConfiguration: Unable to load PyTorch model`,
      });
    },
  );

  it('waits longer after each poll while the job runs, up to the cap', async () => {
    // Prepare
    sagemaker
      .on(DescribeCompilationJobCommand)
      .resolves({ CompilationJobStatus: 'INPROGRESS' } as never);
    // Act
    const waits = [];
    for (const attempt of [0, 1, 2, 3, 5, 7])
      waits.push((await checkCompilation(polling(attempt), deps())).poll.waitSeconds);
    // Assess: doubling (polls in the log of the duration) up to the 30-minute cap
    expect(waits).toEqual([60, 120, 240, 480, 1800, 1800]);
  });

  it('never sleeps past the deadline', async () => {
    // Prepare
    sagemaker
      .on(DescribeCompilationJobCommand)
      .resolves({ CompilationJobStatus: 'INPROGRESS' } as never);
    // Act
    const result = await checkCompilation(polling(4), deps(new Date('2026-11-25T10:44:00Z')));
    // Assess
    expect(result.poll.waitSeconds).toBe(60);
  });

  it('fails with WaitTimedOut once the deadline has passed', async () => {
    // Prepare
    sagemaker
      .on(DescribeCompilationJobCommand)
      .resolves({ CompilationJobStatus: 'INPROGRESS' } as never);
    // Act & Assess
    await expect(
      checkCompilation(polling(9), deps(new Date('2026-11-25T10:45:01Z'))),
    ).rejects.toMatchObject({
      name: 'WaitTimedOut',
    });
  });

  it('throws TransientError on a 5xx so the state machine retries', async () => {
    // Prepare
    sagemaker.on(DescribeCompilationJobCommand).rejects(
      Object.assign(new Error('boom'), {
        name: 'InternalFailure',
        $metadata: { httpStatusCode: 500 },
      }),
    );
    // Act & Assess
    await expect(checkCompilation(polling(), deps())).rejects.toMatchObject({
      name: 'TransientError',
    });
  });
});
