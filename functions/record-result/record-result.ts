import type { Logger } from '@aws-lambda-powertools/logger';
import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import type { Clock } from '../shared/clock';
import { metadataKey, writeOutcome } from '../shared/outcome/model-package-metadata';
import type { Notification } from '../shared/outcome/notify';
import { ReleaseInputSchema } from '../shared/release-input';
import { parseInput } from '../shared/validate';
import * as z from '../shared/zod-mini';

const InputSchema = z.extend(ReleaseInputSchema, {
  rollout: z.array(
    z.looseObject({
      fleet: z.string(),
      status: z.string(),
      waves: z.array(z.string()),
      offline: z.optional(z.array(z.string())),
    }),
  ),
  twinTests: z.optional(z.looseObject({ summary: z.string(), reportUri: z.string() })),
});
export type RecordResultInput = z.input<typeof InputSchema>;
/** Where the released version's drift baseline was snapshotted from, or why it was not. */
export type BaselineRecord = { source: string } | { missing: string } | { error: string };

export type RecordResultOutput = {
  status: 'DEPLOYED';
  fleets: string[];
  metadata: Record<string, string>;
  notified: boolean;
  /** Only for a model group with a monitoring section. */
  driftBaseline?: BaselineRecord;
};
export type RecordResultDeps = {
  sagemaker: SageMakerClient;
  notifyOnce: (n: Notification) => Promise<unknown>;
  logger: Logger;
  now: Clock;
  /**
   * Snapshots the drift baseline of a released version (shared/drift-baseline.ts); undefined
   * for a model group that is not monitored.
   */
  driftBaseline: (
    modelGroup: string,
    version: number,
  ) => Promise<{ source: string } | { missing: string } | undefined>;
};

/**
 * The baseline is recorded when the release reaches its fleets, so drift is judged against
 * what was true at release time. Monitoring never fails a release that is already live: a
 * baseline that cannot be read is said in the notification, and detect-drift tries again.
 */
const recordBaseline = async (
  deps: RecordResultDeps,
  modelGroup: string,
  version: number,
): Promise<BaselineRecord | undefined> => {
  try {
    return await deps.driftBaseline(modelGroup, version);
  } catch (error) {
    deps.logger.warn('drift baseline not recorded', { error: error as Error });
    return { error: `${(error as Error).name}: ${(error as Error).message}` };
  }
};

const baselineLine = (b: BaselineRecord) =>
  'source' in b
    ? `Drift baseline: ${b.source}`
    : `Drift baseline: not recorded (${'missing' in b ? b.missing : b.error}); detect-drift tries again at its next run`;

/**
 * The release reached every fleet: write the outcome onto the model package and tell
 * people. Idempotent: the metadata write sets the same values; the notification is sent
 * once per execution.
 */
export const recordResult = async (
  rawInput: RecordResultInput,
  deps: RecordResultDeps,
): Promise<RecordResultOutput> => {
  const { plan, rollout, twinTests, components } = parseInput(InputSchema, rawInput);
  const fleets = rollout.map((r) => r.fleet);
  const metadata = await writeOutcome(deps.sagemaker, plan.modelPackageArn, [
    [metadataKey(plan.stage, 'status'), 'deployed'],
    [metadataKey(plan.stage, 'stage-reached'), 'production'],
    [metadataKey(plan.stage, 'fleets'), fleets.join(' ')],
    [metadataKey(plan.stage, 'execution'), plan.executionArn],
    [metadataKey(plan.stage, 'updated-at'), deps.now().toISOString()],
  ]);
  const driftBaseline = await recordBaseline(
    deps,
    plan.modelPackageGroupName,
    plan.modelPackageVersion,
  );
  const message = [
    `${plan.modelPackageGroupName} version ${plan.modelPackageVersion} is live on ${fleets.length} fleet(s) in stage ${plan.stage}.`,
    '',
    ...rollout.map(
      (r) =>
        `- ${r.fleet}: ${r.status} (waves: ${r.waves.join(' → ')})${
          r.offline?.length
            ? `; ${r.offline.length} device(s) offline, they get it when they return: ${r.offline.join(', ')}`
            : ''
        }`,
    ),
    '',
    `Model component: ${components.model?.name ?? plan.modelComponent.name} ${components.model?.version ?? plan.modelComponent.version}`,
    `Inference component: ${components.inference.name} ${components.inference.version}`,
    ...(twinTests ? [`Twin tests: ${twinTests.summary} (${twinTests.reportUri})`] : []),
    ...(driftBaseline ? [baselineLine(driftBaseline)] : []),
    `Execution: ${plan.executionArn}`,
  ].join('\n');
  await deps.notifyOnce({
    key: `${plan.executionArn}#result`,
    subject: `[edge-mlops ${plan.stage}] ${plan.modelPackageGroupName} v${plan.modelPackageVersion} deployed`,
    message,
  });
  deps.logger.info('release recorded', { fleets });
  return {
    status: 'DEPLOYED',
    fleets,
    metadata,
    notified: true,
    ...(driftBaseline ? { driftBaseline } : {}),
  };
};
