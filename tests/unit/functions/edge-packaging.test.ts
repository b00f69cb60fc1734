import {
  CreateEdgePackagingJobCommand,
  DescribeEdgePackagingJobCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { checkEdgePackaging } from '../../../functions/build-targets/check-edge-packaging';
import { startEdgePackaging } from '../../../functions/build-targets/start-edge-packaging';
import type { Plan } from '../../../functions/shared/plan';
import { samplePlan, silentLogger, TEST_NEO_ROLE } from '../../helpers/fixtures';

const sagemaker = mockClient(SageMakerClient);
const deps = (now = new Date('2026-11-25T10:00:00Z')) => ({
  sagemaker: new SageMakerClient({ region: 'us-east-1' }),
  logger: silentLogger(),
  now: () => now,
});
const notFound = () =>
  Object.assign(new Error('not found'), {
    name: 'ResourceNotFound',
    $metadata: { httpStatusCode: 400 },
  });

let plan: Plan;
beforeAll(async () => {
  plan = await samplePlan((c) => {
    c.modelGroups['defect-detector']!.packaging = 'edge-manager';
  });
});
beforeEach(() => sagemaker.reset());

const item = () => ({
  plan,
  target: plan.targets[0]!,
  compilation: { jobName: plan.targets[0]!.compilationJobName },
});

describe('startEdgePackaging (legacy Edge Manager)', () => {
  it('creates the packaging job with the GreengrassV2Component preset', async () => {
    // Prepare
    sagemaker.on(DescribeEdgePackagingJobCommand).rejects(notFound());
    sagemaker.on(CreateEdgePackagingJobCommand).resolves({});
    const target = plan.targets[0]!;
    // Act
    const result = await startEdgePackaging(item(), deps());
    // Assess
    expect(result).toMatchObject({ jobName: target.edgePackaging!.jobName, created: true });
    const request = sagemaker.commandCalls(CreateEdgePackagingJobCommand)[0]!.args[0].input;
    expect(request).toMatchObject({
      EdgePackagingJobName: target.edgePackaging!.jobName,
      CompilationJobName: target.compilationJobName,
      ModelName: target.edgePackaging!.modelName,
      ModelVersion: 'local_v7',
      RoleArn: TEST_NEO_ROLE,
      OutputConfig: { PresetDeploymentType: 'GreengrassV2Component' },
    });
    expect(JSON.parse(request.OutputConfig!.PresetDeploymentConfig!)).toEqual({
      ComponentName: 'com.example.defectdetector.model.jetson-xavier',
      ComponentVersion: '1.0.7',
      ComponentDescription: 'defect-detector v7 for jetson-xavier (edge-mlops)',
      PlatformOS: 'Linux',
      PlatformArchitecture: 'Linux ARMV8',
    });
  });

  it('reuses the job a previous attempt created (no second CreateEdgePackagingJob)', async () => {
    // Prepare
    const target = plan.targets[0]!;
    sagemaker.on(DescribeEdgePackagingJobCommand).resolves({
      CompilationJobName: target.compilationJobName,
      ModelVersion: 'local_v7',
      EdgePackagingJobStatus: 'INPROGRESS',
    } as never);
    // Act
    const result = await startEdgePackaging(item(), deps());
    // Assess
    expect(result.created).toBe(false);
    expect(sagemaker).not.toHaveReceivedCommand(CreateEdgePackagingJobCommand);
  });

  it('fails loudly when the job name packages another compilation', async () => {
    // Prepare
    sagemaker
      .on(DescribeEdgePackagingJobCommand)
      .resolves({ CompilationJobName: 'someone-else', ModelVersion: 'local_v7' } as never);
    // Act & Assess
    await expect(startEdgePackaging(item(), deps())).rejects.toMatchObject({
      name: 'ResourceConflict',
    });
    expect(sagemaker).not.toHaveReceivedCommand(CreateEdgePackagingJobCommand);
  });

  it('recovers from losing a creation race to a duplicate', async () => {
    // Prepare
    const target = plan.targets[0]!;
    sagemaker
      .on(DescribeEdgePackagingJobCommand)
      .rejectsOnce(notFound())
      .resolves({
        CompilationJobName: target.compilationJobName,
        ModelVersion: 'local_v7',
      } as never);
    sagemaker
      .on(CreateEdgePackagingJobCommand)
      .rejects(Object.assign(new Error('Job already exists'), { name: 'ValidationException' }));
    // Act & Assess
    await expect(startEdgePackaging(item(), deps())).resolves.toMatchObject({ created: false });
  });
});

describe('checkEdgePackaging (legacy Edge Manager)', () => {
  const polling = () => ({
    ...item(),
    packaging: {
      jobName: 'job',
      poll: { attempt: 0, waitSeconds: 30, deadline: '2026-11-25T11:00:00.000Z' },
    },
  });

  it('returns the Greengrass component the preset created', async () => {
    // Prepare
    const arn =
      'arn:aws:greengrass:us-east-1:000000000000:components:com.example.defectdetector.model.jetson-xavier:versions:1.0.7';
    sagemaker.on(DescribeEdgePackagingJobCommand).resolves({
      EdgePackagingJobStatus: 'COMPLETED',
      PresetDeploymentOutput: { Type: 'GreengrassV2Component', Artifact: arn, Status: 'COMPLETED' },
    } as never);
    // Act & Assess
    await expect(checkEdgePackaging(polling(), deps())).resolves.toMatchObject({
      done: true,
      componentArn: arn,
    });
  });

  it('fails with the preset status message when the component could not be made', async () => {
    // Prepare
    sagemaker.on(DescribeEdgePackagingJobCommand).resolves({
      EdgePackagingJobStatus: 'COMPLETED',
      PresetDeploymentOutput: {
        Type: 'GreengrassV2Component',
        Status: 'FAILED',
        StatusMessage: 'component exists',
      },
    } as never);
    // Act & Assess
    await expect(checkEdgePackaging(polling(), deps())).rejects.toMatchObject({
      name: 'PackagingFailed',
      message: expect.stringContaining('component exists'),
    });
  });

  it('fails with the job status message when the job FAILED', async () => {
    // Prepare
    sagemaker.on(DescribeEdgePackagingJobCommand).resolves({
      EdgePackagingJobStatus: 'FAILED',
      EdgePackagingJobStatusMessage: 'Edge Manager is not available',
    } as never);
    // Act & Assess
    await expect(checkEdgePackaging(polling(), deps())).rejects.toMatchObject({
      name: 'PackagingFailed',
      message: 'edge packaging job job FAILED: Edge Manager is not available',
    });
  });

  it('keeps polling while the job runs', async () => {
    // Prepare
    sagemaker
      .on(DescribeEdgePackagingJobCommand)
      .resolves({ EdgePackagingJobStatus: 'INPROGRESS' } as never);
    // Act & Assess
    await expect(checkEdgePackaging(polling(), deps())).resolves.toMatchObject({
      done: false,
      poll: { attempt: 1, waitSeconds: 60 },
    });
  });
});
