import type { S3Client } from '@aws-sdk/client-s3';
import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import {
  type MetricsEvidence,
  readEvaluation,
  readPackageEvaluation,
} from '../shared/approval/model-metrics';
import type { Plan } from '../shared/plan';
import { getFleetRecord, type StateStore } from '../shared/state-store';

/**
 * The model's metrics for the approval page: this version's evaluation report, and the
 * evaluation of the version live on each target fleet now (its last good release), read once
 * per version. Reading never fails the approval request: what cannot be read is a `problem`
 * the page states.
 */
export type LiveVersion = {
  fleet: string;
  version?: number;
  modelPackageArn?: string;
  evaluation?: MetricsEvidence;
};
export type MetricsComparison = { candidate: MetricsEvidence; live: LiveVersion[] };

export type EvidenceClients = { store: StateStore; s3: S3Client; sagemaker: SageMakerClient };

export const metricsComparison = async (
  plan: Plan,
  clients: EvidenceClients,
): Promise<MetricsComparison> => {
  const candidate = await readEvaluation(clients.s3, plan.registry.metrics);
  const evaluations = new Map<string, Promise<MetricsEvidence>>([
    [plan.modelPackageArn, Promise.resolve(candidate)],
  ]);
  const live: LiveVersion[] = [];
  for (const fleet of plan.fleets) {
    let lastGood: Awaited<ReturnType<typeof getFleetRecord>>['lastGood'];
    try {
      lastGood = (await getFleetRecord(clients.store, plan.modelPackageGroupName, fleet.name))
        .lastGood;
    } catch (error) {
      live.push({
        fleet: fleet.name,
        evaluation: {
          problem: `the fleet's release could not be read (${(error as Error).message})`,
        },
      });
      continue;
    }
    if (!lastGood) {
      live.push({ fleet: fleet.name });
      continue;
    }
    const arn = lastGood.modelPackageArn;
    if (!evaluations.has(arn)) evaluations.set(arn, readPackageEvaluation(clients, arn));
    live.push({
      fleet: fleet.name,
      version: lastGood.modelPackageVersion,
      modelPackageArn: arn,
      evaluation: await evaluations.get(arn)!,
    });
  }
  return { candidate, live };
};
