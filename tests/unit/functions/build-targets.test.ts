import {
  CreateCompilationJobCommand,
  CreateEdgePackagingJobCommand,
  DescribeCompilationJobCommand,
  DescribeEdgePackagingJobCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { buildTargets } from '../../../functions/build-targets/build-targets';
import type { Plan } from '../../../functions/shared/plan';
import { samplePlan, silentLogger } from '../../helpers/fixtures';

const sagemaker = mockClient(SageMakerClient);
const NOW = new Date('2026-11-25T10:00:00Z');
const deps = (now = NOW) => ({
  sagemaker: new SageMakerClient({ region: 'us-east-1' }),
  logger: silentLogger(),
  now: () => now,
});
const JETSON = 'edge-local-defect-detector-v7-jetson-xavier';
const RPI = 'edge-local-defect-detector-v7-rpi4';
const compiled = (job: string) => ({
  CompilationJobStatus: 'COMPLETED',
  ModelArtifacts: { S3ModelArtifacts: `s3://b/${job}/model.tar.gz` },
});

let plan: Plan;
let edgePlan: Plan;
beforeAll(async () => {
  plan = await samplePlan();
  edgePlan = await samplePlan((c) => {
    c.modelGroups['defect-detector']!.packaging = 'edge-manager';
  });
});
beforeEach(() => sagemaker.reset());

/** Runs the build loop as the state machine does until done, counting the polls. */
const runLoop = async (p: Plan, maxCalls = 20) => {
  let state = await buildTargets({ plan: p }, deps());
  let calls = 1;
  while (!state.done && calls < maxCalls) {
    state = await buildTargets({ plan: p, build: state }, deps());
    calls++;
  }
  return { state, calls };
};

describe('buildTargets', () => {
  it("starts every target's compilation in its first call, and waits 30 s", async () => {
    // Prepare
    sagemaker.on(CreateCompilationJobCommand).resolves({});
    // Act
    const first = await buildTargets({ plan }, deps());
    // Assess
    expect(sagemaker).toHaveReceivedCommandTimes(CreateCompilationJobCommand, 2);
    expect(first).toMatchObject({
      done: false,
      targets: [
        { target: 'jetson-xavier', compilationJob: JETSON, built: false },
        { target: 'rpi4', compilationJob: RPI, built: false },
      ],
      poll: { attempt: 0, waitSeconds: 30 },
    });
  });

  it('checks every unfinished target in one poll and is done with one build per target', async () => {
    // Prepare: the Raspberry Pi compiles at the first poll, the Jetson at the second.
    sagemaker.on(CreateCompilationJobCommand).resolves({});
    sagemaker
      .on(DescribeCompilationJobCommand, { CompilationJobName: JETSON })
      .resolvesOnce({ CompilationJobStatus: 'INPROGRESS' } as never)
      .resolves(compiled(JETSON) as never);
    sagemaker
      .on(DescribeCompilationJobCommand, { CompilationJobName: RPI })
      .resolves(compiled(RPI) as never);
    // Act
    const { state, calls } = await runLoop(plan);
    // Assess: start, then two polls; the finished target is not asked again.
    expect(calls).toBe(3);
    expect(sagemaker).toHaveReceivedCommandTimes(DescribeCompilationJobCommand, 3);
    expect(state.builds).toEqual([
      {
        target: 'jetson-xavier',
        compiledArtifactUri: `s3://b/${JETSON}/model.tar.gz`,
        modelComponent: plan.targets[0]!.modelComponent,
      },
      {
        target: 'rpi4',
        compiledArtifactUri: `s3://b/${RPI}/model.tar.gz`,
        modelComponent: plan.targets[1]!.modelComponent,
      },
    ]);
  });

  it('fails the whole build with CompilationFailed when one target fails', async () => {
    // Prepare
    sagemaker.on(CreateCompilationJobCommand).resolves({});
    sagemaker
      .on(DescribeCompilationJobCommand, { CompilationJobName: JETSON })
      .resolves(compiled(JETSON) as never);
    sagemaker.on(DescribeCompilationJobCommand, { CompilationJobName: RPI }).resolves({
      CompilationJobStatus: 'FAILED',
      FailureReason: 'ClientError: unsupported operator',
    } as never);
    // Act
    const run = runLoop(plan);
    // Assess
    await expect(run).rejects.toMatchObject({
      name: 'CompilationFailed',
      message: expect.stringContaining('rpi4 FAILED: ClientError: unsupported operator'),
    });
  });

  it('with edge-manager packaging, packages each compiled target and carries its component ARN', async () => {
    // Prepare
    sagemaker.on(CreateCompilationJobCommand).resolves({});
    sagemaker
      .on(DescribeCompilationJobCommand)
      .callsFake(async (input) => compiled(input.CompilationJobName));
    sagemaker.on(CreateEdgePackagingJobCommand).resolves({});
    sagemaker
      .on(DescribeEdgePackagingJobCommand)
      .rejectsOnce(Object.assign(new Error('not found'), { name: 'ResourceNotFound' }))
      .rejectsOnce(Object.assign(new Error('not found'), { name: 'ResourceNotFound' }))
      .callsFake(async (input) => ({
        EdgePackagingJobStatus: 'COMPLETED',
        CompilationJobName: input.EdgePackagingJobName.replace(/-pkg$/, ''),
        ModelVersion: 'x',
        PresetDeploymentOutput: {
          Type: 'GreengrassV2Component',
          Status: 'COMPLETED',
          Artifact: `arn:aws:greengrass:us-east-1:000000000000:components:${input.EdgePackagingJobName}:versions:1.0.7`,
        },
      }));
    // Act
    const { state } = await runLoop(edgePlan);
    // Assess
    expect(sagemaker).toHaveReceivedCommandTimes(CreateEdgePackagingJobCommand, 2);
    expect(state.done).toBe(true);
    for (const build of state.builds!)
      expect(build.modelComponent.arn).toMatch(/^arn:aws:greengrass:/);
  });
});
