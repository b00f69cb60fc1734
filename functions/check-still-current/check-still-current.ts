import type { Logger } from '@aws-lambda-powertools/logger';
import { DescribeModelPackageCommand, type SageMakerClient } from '@aws-sdk/client-sagemaker';
import { classifyAwsError, ModelNotApproved, Superseded } from '../shared/errors';
import { getLatestVersion } from '../shared/registry-store';
import type { StateStore } from '../shared/state-store';
import { planOnly } from '../shared/task-input';
import { parseInput } from '../shared/validate';
import type * as z from '../shared/zod-mini';

export type CheckStillCurrentInput = z.input<typeof planOnly>;
export type CheckStillCurrentDeps = {
  sagemaker: SageMakerClient;
  store: StateStore;
  logger: Logger;
};

/**
 * The checkpoint before production: the registry must still say Approved (a rejection may
 * have arrived while humans deliberated), and no newer version of the group may have been
 * approved meanwhile — then this one is `Superseded` and ends quietly, not as a failure.
 */
export const checkStillCurrent = async (
  rawInput: CheckStillCurrentInput,
  { sagemaker, store, logger }: CheckStillCurrentDeps,
): Promise<{ current: true; latestVersion: number }> => {
  const { plan } = parseInput(planOnly, rawInput);
  const latest =
    (await getLatestVersion(store, plan.modelPackageGroupName)) ?? plan.modelPackageVersion;
  if (latest > plan.modelPackageVersion) {
    throw new Superseded(
      `version ${latest} of ${plan.modelPackageGroupName} was approved after version ${plan.modelPackageVersion}; this release stops before production`,
    );
  }
  const pkg = await sagemaker
    .send(new DescribeModelPackageCommand({ ModelPackageName: plan.modelPackageArn }))
    .catch((error: unknown) => {
      throw classifyAwsError(error, 'DescribeModelPackage');
    });
  if (pkg.ModelApprovalStatus !== 'Approved') {
    throw new ModelNotApproved(
      `model package ${plan.modelPackageArn} is now ${pkg.ModelApprovalStatus}; nothing goes to production`,
    );
  }
  logger.info('release still current', { latestVersion: latest });
  return { current: true, latestVersion: latest };
};
