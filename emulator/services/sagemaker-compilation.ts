import type { S3Backend } from '../backends';
import { AwsError, epoch, required } from '../http';
import type { World } from '../world';
import type { Body } from './sagemaker-common';

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
    // Names, ARNs, S3 URIs, the framework and required members are checked against the
    // service model before this runs (router → validate.ts); what is left are the rules the
    // model cannot express.
    const name = body.CompilationJobName as string;
    const input = required(body.InputConfig as Body, 'inputConfig');
    const output = body.OutputConfig as Body;
    if (input && body.ModelPackageVersionArn) {
      throw new AwsError(
        'ValidationException',
        'Specify either ModelPackageVersionArn or InputConfig, not both',
      );
    }
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
