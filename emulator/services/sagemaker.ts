import type { S3Backend } from '../backends';
import { AwsError, epoch, matches, required } from '../http';
import type { ModelPackage, World } from '../world';

/**
 * SageMaker (AWS JSON 1.1): the model registry, Neo compilation and (legacy) Edge Manager
 * packaging. Limits and errors follow the botocore service model (see aws-facts.md §1).
 */
type Body = Record<string, any>;

// EntityName (CompilationJobName, EdgePackagingJobName, ModelName).
const ENTITY_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/?[a-zA-Z_0-9+=,.@\-_/]+$/;
const S3_URI = /^(https|s3):\/\/([^/]+)\/?(.*)$/;
const EDGE_VERSION = /^[a-zA-Z0-9 _.]+$/;
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
// CustomerMetadataProperties: 1–50 entries, keys 1–128, values 1–256 of this class.
const METADATA_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

const STARTING_MS = 5_000;

export const modelPackageArn = (world: World, group: string, version: number) =>
  `arn:aws:sagemaker:${world.region}:${world.account}:model-package/${group}/${version}`;

const findPackage = (world: World, name: string): ModelPackage => {
  const pkg =
    world.modelPackages.get(name) ??
    [...world.modelPackages.values()].find(
      (p) => `${p.ModelPackageGroupName}/${p.ModelPackageVersion}` === name,
    );
  // SageMaker answers a missing package with a ValidationException.
  if (!pkg) throw new AwsError('ValidationException', `ModelPackage ${name} does not exist.`);
  return pkg;
};

const compilationStatus = (world: World, createdAt: number) => {
  const age = world.clock.now() - createdAt;
  if (age < STARTING_MS) return 'STARTING';
  if (age < world.options.compileSeconds * 1000) return 'INPROGRESS';
  return world.options.compileFailure ? 'FAILED' : 'COMPLETED';
};

export const sagemaker = (
  world: World,
  s3: S3Backend,
  emit: (pkg: ModelPackage, previous: string) => Promise<void>,
) => ({
  DescribeModelPackage: async (body: Body) => {
    const pkg = findPackage(world, required(body.ModelPackageName, 'modelPackageName'));
    return {
      // A versioned package is named after its group (DescribeModelPackage marks
      // ModelPackageName required; EventBridge details may omit it).
      ModelPackageName: pkg.ModelPackageGroupName,
      ...pkg,
      CreationTime: epoch(
        Date.parse(String(pkg.CreationTime ?? new Date(world.clock.now()).toISOString())),
      ),
      LastModifiedTime: epoch(
        Date.parse(String(pkg.LastModifiedTime ?? new Date(world.clock.now()).toISOString())),
      ),
    };
  },

  UpdateModelPackage: async (body: Body) => {
    const pkg = findPackage(world, required(body.ModelPackageArn, 'modelPackageArn'));
    const previous = pkg.ModelApprovalStatus;
    if (body.CustomerMetadataProperties) {
      const merged = {
        ...(pkg.CustomerMetadataProperties as Record<string, string> | undefined),
        ...body.CustomerMetadataProperties,
      };
      for (const k of body.CustomerMetadataPropertiesToRemove ?? []) delete merged[k];
      if (Object.keys(merged).length > 50) {
        throw new AwsError(
          'ValidationException',
          'CustomerMetadataProperties can have at most 50 entries',
        );
      }
      for (const [k, v] of Object.entries(
        body.CustomerMetadataProperties as Record<string, string>,
      )) {
        matches(k, METADATA_TEXT, 'customerMetadataProperties.key', 128);
        matches(String(v), METADATA_TEXT, `customerMetadataProperties.${k}`, 256);
      }
      pkg.CustomerMetadataProperties = merged;
    }
    if (body.ModelApprovalStatus) {
      if (!['Approved', 'Rejected', 'PendingManualApproval'].includes(body.ModelApprovalStatus)) {
        throw new AwsError(
          'ValidationException',
          `Invalid ModelApprovalStatus ${body.ModelApprovalStatus}`,
        );
      }
      pkg.ModelApprovalStatus = body.ModelApprovalStatus;
      if (body.ApprovalDescription) pkg.ApprovalDescription = body.ApprovalDescription;
    }
    pkg.LastModifiedTime = new Date(world.clock.now()).toISOString();
    // The registry tells EventBridge about approval changes, as SageMaker does. Whether a
    // metadata-only update emits "SageMaker Model Package State Change" too is not documented
    // (SageMaker developer guide, "Automating SageMaker AI with Amazon EventBridge": "may send
    // multiple events ... for each state change"); the harsher reading is modelled: it does,
    // with the status unchanged, so a consumer that starts work on it would loop.
    const statusChanged =
      Boolean(body.ModelApprovalStatus) && body.ModelApprovalStatus !== previous;
    const metadataChanged =
      Boolean(body.CustomerMetadataProperties) ||
      (body.CustomerMetadataPropertiesToRemove?.length ?? 0) > 0;
    if (statusChanged || metadataChanged) await emit(pkg, previous);
    return { ModelPackageArn: pkg.ModelPackageArn };
  },

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
    const arn = `arn:aws:greengrass:${world.region}:${world.account}:components:${componentName}:versions:${componentVersion}`;
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
