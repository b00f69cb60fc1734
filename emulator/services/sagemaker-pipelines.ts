import { AwsError, epoch } from '../http';
import type { ModelPackage, World } from '../world';
import { modelPackageArn } from './sagemaker';

/**
 * SageMaker Pipelines (AWS JSON 1.1, part of the SageMaker API): StartPipelineExecution
 * and DescribePipelineExecution for the pipelines the stage config names as retraining
 * pipelines. The ClientRequestToken makes a start idempotent ("an idempotent operation
 * completes no more than once", SageMaker API reference, StartPipelineExecution): the same
 * token answers with the same execution. A pipeline not configured does not exist
 * (ResourceNotFound, as SageMaker answers for an unknown pipeline).
 *
 * Optionally (`registerRetrained`) a finished execution registers a new model package
 * version in the group named by its ModelPackageGroupName parameter, as a training pipeline's
 * RegisterModel step does, with ModelApprovalStatus PendingManualApproval.
 */
export type PipelineExecution = {
  arn: string;
  pipelineName: string;
  token: string;
  parameters: Record<string, string>;
  startedAt: number;
  /** The model package the execution registered, once it finished. */
  registered?: string;
};

const RUN_MS = 30 * 60_000;

export const sagemakerPipelines = (
  world: World,
  pipelines: () => Set<string>,
  options: { registerRetrained: () => boolean; emit: (pkg: ModelPackage) => Promise<void> },
) => {
  const executions: PipelineExecution[] = [];

  const finish = async (execution: PipelineExecution) => {
    const group = execution.parameters.ModelPackageGroupName;
    if (!group || !options.registerRetrained() || execution.registered) return;
    const versions = [...world.modelPackages.values()].filter(
      (p) => p.ModelPackageGroupName === group,
    );
    const latest = versions.sort((a, b) => b.ModelPackageVersion - a.ModelPackageVersion)[0];
    if (!latest) return;
    const version = latest.ModelPackageVersion + 1;
    const arn = modelPackageArn(world, group, version);
    const pkg: ModelPackage = {
      ...latest,
      ModelPackageArn: arn,
      ModelPackageVersion: version,
      ModelApprovalStatus: 'PendingManualApproval',
      ModelPackageStatus: 'Completed',
      ModelPackageDescription: `retrained by ${execution.arn}`,
      CreationTime: new Date(world.clock.now()).toISOString(),
      LastModifiedTime: new Date(world.clock.now()).toISOString(),
      CustomerMetadataProperties: { 'edge-mlops:retrainedBy': execution.arn },
    };
    world.modelPackages.set(arn, pkg);
    execution.registered = arn;
    await options.emit(pkg);
  };

  const statusOf = (execution: PipelineExecution) =>
    world.clock.now() - execution.startedAt >= RUN_MS ? 'Succeeded' : 'Executing';

  const api = {
    StartPipelineExecution: async (body: Record<string, any>) => {
      const name = String(body.PipelineName ?? '').replace(/^arn:[^/]*:pipeline\//, '');
      if (!pipelines().has(name))
        throw new AwsError('ResourceNotFound', `Pipeline '${name}' does not exist.`);
      const token = String(body.ClientRequestToken ?? '');
      const same = executions.find((e) => e.pipelineName === name && e.token === token);
      if (same) return { PipelineExecutionArn: same.arn };
      const execution: PipelineExecution = {
        arn: `arn:aws:sagemaker:${world.region}:${world.account}:pipeline/${name.toLowerCase()}/execution/${world.nextId('exec')}`,
        pipelineName: name,
        token,
        parameters: Object.fromEntries(
          ((body.PipelineParameters ?? []) as { Name: string; Value: string }[]).map((p) => [
            p.Name,
            p.Value,
          ]),
        ),
        startedAt: world.clock.now(),
      };
      executions.push(execution);
      // An emulator closed meanwhile has nobody left to tell: the registration is dropped.
      void world.clock
        .sleep(RUN_MS)
        .then(() => finish(execution))
        .catch(() => undefined);
      return { PipelineExecutionArn: execution.arn };
    },
    DescribePipelineExecution: async (body: Record<string, any>) => {
      const execution = executions.find((e) => e.arn === body.PipelineExecutionArn);
      if (!execution)
        throw new AwsError(
          'ResourceNotFound',
          `Pipeline execution '${body.PipelineExecutionArn}' does not exist.`,
        );
      return {
        PipelineArn: `arn:aws:sagemaker:${world.region}:${world.account}:pipeline/${execution.pipelineName.toLowerCase()}`,
        PipelineExecutionArn: execution.arn,
        PipelineExecutionStatus: statusOf(execution),
        CreationTime: epoch(execution.startedAt),
        LastModifiedTime: epoch(world.clock.now()),
      };
    },
  };
  return { api, executions };
};
