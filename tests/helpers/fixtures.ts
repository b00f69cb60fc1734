import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { DescribeModelPackageCommand, type SageMakerClient } from '@aws-sdk/client-sagemaker';
import { resolveModel } from '../../functions/resolve-model/resolve-model';
import type { Plan } from '../../functions/shared/plan';
import { loadStageConfig } from '../../functions/shared/stage-config/load';
import type { StageConfig } from '../../functions/shared/stage-config/schema';

const ROOT = join(__dirname, '../..');

export type ModelPackageEvent = {
  id: string;
  'detail-type': string;
  source: string;
  detail: Record<string, unknown> & {
    ModelPackageArn: string;
    ModelPackageGroupName: string;
    ModelPackageVersion: number;
    ModelApprovalStatus: string;
  };
};

/** A sample event from events/ (the same files docs and local mode use). */
export const sampleEvent = (name: string): ModelPackageEvent =>
  JSON.parse(readFileSync(join(ROOT, 'events', name), 'utf8'));

/** DescribeModelPackage answers with the same fields the registry event carries. */
export const describeModelPackageOutput = (overrides: Record<string, unknown> = {}) => {
  const { detail } = sampleEvent('model-package-approved.json');
  return {
    ...detail,
    CreationTime: new Date(detail.CreationTime as string),
    LastModifiedTime: new Date(detail.LastModifiedTime as string),
    ...overrides,
  } as never;
};

export const silentLogger = () =>
  new Logger({ serviceName: 'edge-mlops-test', logLevel: 'SILENT' });

export const localStageConfig = (): StageConfig => loadStageConfig(join(ROOT, 'config/local.yml'));

export const TEST_NEO_ROLE = 'arn:aws:iam::000000000000:role/edge-mlops-test-neo';
export const TEST_BUCKET = 'edge-mlops-test-artifacts';
export const TEST_EXECUTION_ARN =
  'arn:aws:states:us-east-1:000000000000:execution:edge-mlops-local-edge-deployment:defect-detector-v7-1a2b3c4d';

/** The plan Resolve Model makes for the sample approved event (optionally edited config). */
export const samplePlan = async (edit?: (config: StageConfig) => void): Promise<Plan> => {
  const stageConfig = localStageConfig();
  edit?.(stageConfig);
  const { detail } = sampleEvent('model-package-approved.json');
  // A plain fake, not aws-sdk-client-mock: tests that call this keep their own mocks intact.
  const sagemaker = {
    send: async (command: unknown) => {
      if (!(command instanceof DescribeModelPackageCommand)) throw new Error('unexpected call');
      return describeModelPackageOutput();
    },
  } as unknown as SageMakerClient;
  return resolveModel(
    {
      input: {
        modelPackageArn: detail.ModelPackageArn,
        modelPackageGroupName: detail.ModelPackageGroupName,
        modelPackageVersion: detail.ModelPackageVersion,
      },
      executionArn: TEST_EXECUTION_ARN,
      executionName: 'defect-detector-v7-1a2b3c4d',
    },
    {
      sagemaker,
      logger: silentLogger(),
      config: {
        stage: 'local',
        stageConfig,
        artifactBucket: TEST_BUCKET,
        neoRoleArn: TEST_NEO_ROLE,
      },
    },
  );
};

/** The registered components as Register … Component would return them for `plan`. */
export const registeredComponents = (plan: Plan) => ({
  model: {
    name: plan.modelComponent.name,
    version: plan.modelComponent.version,
    arn: `arn:aws:greengrass:us-east-1:000000000000:components:${plan.modelComponent.name}:versions:${plan.modelComponent.version}`,
    recipeSha256: 'a'.repeat(64),
    reused: false,
  },
  inference: {
    name: plan.inferenceComponent.name,
    version: plan.inferenceComponent.version,
    arn: `arn:aws:greengrass:us-east-1:000000000000:components:${plan.inferenceComponent.name}:versions:${plan.inferenceComponent.version}`,
    recipeSha256: 'b'.repeat(64),
    reused: true,
  },
});
