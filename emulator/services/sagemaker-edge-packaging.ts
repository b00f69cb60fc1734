import { AwsError, matches, required } from '../http';
import type { World } from '../world';
import { componentArn } from './greengrass-common';
import { type Body, ENTITY_NAME, ROLE_ARN } from './sagemaker-common';

const EDGE_VERSION = /^[a-zA-Z0-9 _.]+$/;

/**
 * SageMaker Edge Manager packaging jobs (legacy): a job over a compilation job completes
 * after a minute and registers its Greengrass component, as its preset deployment config asks.
 */
export const edgePackagingJobs = (world: World) => ({
  CreateEdgePackagingJob: async (body: Body) => {
    const name = required(body.EdgePackagingJobName as string, 'edgePackagingJobName');
    matches(name, ENTITY_NAME, 'edgePackagingJobName', 63);
    matches(
      required(body.CompilationJobName as string, 'compilationJobName'),
      ENTITY_NAME,
      'compilationJobName',
      63,
    );
    matches(required(body.ModelName as string, 'modelName'), ENTITY_NAME, 'modelName', 63);
    matches(
      required(body.ModelVersion as string, 'modelVersion'),
      EDGE_VERSION,
      'modelVersion',
      30,
    );
    matches(required(body.RoleArn as string, 'roleArn'), ROLE_ARN, 'roleArn', 2048, 20);
    required(body.OutputConfig, 'outputConfig');
    if (world.edgePackagingJobs.has(name))
      throw new AwsError('ValidationException', `Edge packaging job ${name} already exists`);
    if (!world.compilationJobs.has(body.CompilationJobName)) {
      throw new AwsError(
        'ValidationException',
        `Compilation job ${body.CompilationJobName} does not exist`,
      );
    }
    world.edgePackagingJobs.set(name, {
      request: body,
      arn: `arn:aws:sagemaker:${world.region}:${world.account}:edge-packaging-job/${name}`,
      createdAt: world.clock.now(),
    });
    return {};
  },

  DescribeEdgePackagingJob: async (body: Body) => {
    const name = required(body.EdgePackagingJobName as string, 'edgePackagingJobName');
    const job = world.edgePackagingJobs.get(name);
    if (!job) throw new AwsError('ResourceNotFound', `Could not find edge packaging job ${name}`);
    const done = world.clock.now() - job.createdAt >= 60_000;
    const preset = JSON.parse(
      String((job.request.OutputConfig as Body).PresetDeploymentConfig ?? '{}'),
    );
    const componentName = preset.ComponentName ?? `SagemakerEdgeManager${name}`;
    const componentVersion = preset.ComponentVersion ?? '1.0.0';
    const arn = componentArn(world, componentName, componentVersion);
    if (done && !world.components.has(arn)) {
      const recipe = {
        RecipeFormatVersion: '2020-01-25',
        ComponentName: componentName,
        ComponentVersion: componentVersion,
        ComponentPublisher: 'AWS SageMaker Edge Manager',
      };
      world.components.set(arn, {
        arn,
        name: componentName,
        version: componentVersion,
        recipe,
        recipeText: JSON.stringify(recipe),
        tags: {},
        createdAt: world.clock.now(),
        deployableAt: world.clock.now(),
      });
    }
    return {
      EdgePackagingJobArn: job.arn,
      EdgePackagingJobName: name,
      CompilationJobName: job.request.CompilationJobName,
      ModelName: job.request.ModelName,
      ModelVersion: job.request.ModelVersion,
      RoleArn: job.request.RoleArn,
      OutputConfig: job.request.OutputConfig,
      EdgePackagingJobStatus: done ? 'COMPLETED' : 'INPROGRESS',
      ...(done
        ? {
            PresetDeploymentOutput: {
              Type: 'GreengrassV2Component',
              Artifact: arn,
              Status: 'COMPLETED',
            },
          }
        : {}),
    };
  },
});
