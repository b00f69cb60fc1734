import type { S3Backend } from '../backends';
import { AwsError, epoch, matches, required } from '../http';
import type { World } from '../world';
import { type Body, ENTITY_NAME, ROLE_ARN } from './sagemaker-common';

const S3_URI = /^(https|s3):\/\/([^/]+)\/?(.*)$/;
const FRAMEWORKS = [
  'TENSORFLOW',
  'KERAS',
  'MXNET',
  'ONNX',
  'PYTORCH',
  'XGBOOST',
  'TFLITE',
  'DARKNET',
  'SKLEARN',
];

const STARTING_MS = 5_000;

const compilationStatus = (world: World, createdAt: number) => {
  const age = world.clock.now() - createdAt;
  if (age < STARTING_MS) return 'STARTING';
  if (age < world.options.compileSeconds * 1000) return 'INPROGRESS';
  return world.options.compileFailure ? 'FAILED' : 'COMPLETED';
};

/**
 * SageMaker Neo compilation jobs: STARTING, INPROGRESS for the configured compile time, then
 * COMPLETED with the compiled artifact in S3 (or FAILED as configured, or when the model is missing).
 */
export const compilationJobs = (world: World, s3: S3Backend) => ({
  CreateCompilationJob: async (body: Body) => {
    const name = required(body.CompilationJobName as string, 'compilationJobName');
    matches(name, ENTITY_NAME, 'compilationJobName', 63);
    matches(required(body.RoleArn as string, 'roleArn'), ROLE_ARN, 'roleArn', 2048, 20);
    const input = required(body.InputConfig as Body, 'inputConfig');
    const output = required(body.OutputConfig as Body, 'outputConfig');
    required(body.StoppingCondition, 'stoppingCondition');
    if (input && body.ModelPackageVersionArn) {
      throw new AwsError(
        'ValidationException',
        'Specify either ModelPackageVersionArn or InputConfig, not both',
      );
    }
    matches(
      required(input.S3Uri as string, 'inputConfig.s3Uri'),
      S3_URI,
      'inputConfig.s3Uri',
      1024,
    );
    if (!FRAMEWORKS.includes(required(input.Framework as string, 'inputConfig.framework'))) {
      throw new AwsError(
        'ValidationException',
        `Value '${input.Framework}' at 'inputConfig.framework' failed to satisfy constraint: Member must satisfy enum value set: [${FRAMEWORKS.join(', ')}]`,
      );
    }
    matches(
      required(output.S3OutputLocation as string, 'outputConfig.s3OutputLocation'),
      S3_URI,
      'outputConfig.s3OutputLocation',
      1024,
    );
    if (Boolean(output.TargetDevice) === Boolean(output.TargetPlatform)) {
      throw new AwsError(
        'ValidationException',
        'Specify exactly one of TargetDevice or TargetPlatform',
      );
    }
    if (world.compilationJobs.has(name)) {
      throw new AwsError(
        'ResourceInUse',
        `Compilation job name ${name} must be unique within an AWS Region in an AWS account`,
      );
    }
    const model = String(input.S3Uri)
      .split('/')
      .pop()!
      .replace(/\.tar\.gz$/, '');
    const device =
      output.TargetDevice ??
      `${output.TargetPlatform.Os}_${output.TargetPlatform.Arch}`.toLowerCase();
    const prefix = String(output.S3OutputLocation).replace(/\/?$/, '/');
    const arn = `arn:aws:sagemaker:${world.region}:${world.account}:compilation-job/${name}`;
    world.compilationJobs.set(name, {
      request: body,
      arn,
      createdAt: world.clock.now(),
      artifactUri: `${prefix}${model}-${device}.tar.gz`,
    });
    return { CompilationJobArn: arn };
  },

  DescribeCompilationJob: async (body: Body) => {
    const name = required(body.CompilationJobName as string, 'compilationJobName');
    const job = world.compilationJobs.get(name);
    if (!job) throw new AwsError('ResourceNotFound', `Could not find compilation job ${name}`);
    let status = compilationStatus(world, job.createdAt);
    let reason = world.options.compileFailure;
    const input = job.request.InputConfig as Body;
    if (status === 'COMPLETED') {
      // Neo reads the model from S3: a missing model fails the job, as on AWS.
      if (!(await s3.exists(String(input.S3Uri)))) {
        status = 'FAILED';
        reason = `ClientError: InputConfiguration: Unable to download model from ${input.S3Uri}: NoSuchKey`;
      } else if (!(await s3.exists(job.artifactUri))) {
        await s3.put(
          job.artifactUri,
          `compiled ${input.S3Uri} for ${JSON.stringify(job.request.OutputConfig)}`,
        );
      }
    }
    return {
      CompilationJobName: name,
      CompilationJobArn: job.arn,
      CompilationJobStatus: status,
      CreationTime: epoch(job.createdAt),
      LastModifiedTime: epoch(world.clock.now()),
      RoleArn: job.request.RoleArn,
      InputConfig: job.request.InputConfig,
      OutputConfig: job.request.OutputConfig,
      StoppingCondition: job.request.StoppingCondition,
      // The model marks FailureReason and ModelArtifacts.S3ModelArtifacts required in every
      // answer, not only for FAILED / COMPLETED jobs (DescribeCompilationJobResponse).
      FailureReason: status === 'FAILED' ? reason : '',
      ModelArtifacts: { S3ModelArtifacts: job.artifactUri },
    };
  },
});
