import type { Logger } from '@aws-lambda-powertools/logger';
import type { TargetClients } from '../shared/assume-role';
import type { Clock } from '../shared/clock';
import { ConfigError } from '../shared/errors';
import {
  type ComponentMap,
  type DeploymentDiff,
  safeDeploy,
} from '../shared/greengrass/deployments';
import type { Plan } from '../shared/plan';
import { type PollState, startPolling, TWIN_POLL } from '../shared/polling';
import { ReleaseInputSchema } from '../shared/release-input';
import { parseInput } from '../shared/validate';
import type * as z from '../shared/zod-mini';

export type DeployToTwinInput = z.input<typeof ReleaseInputSchema>;
export type DeployToTwinOutput = {
  deploymentId: string;
  targetArn: string;
  roleArn?: string;
  created: boolean;
  diff: DeploymentDiff;
  /** When the deployment was made: its devices' pace counts from here. */
  startedAt: string;
  poll: PollState;
};
export type DeployToTwinDeps = {
  clientsFor: (roleArn: string | undefined) => TargetClients;
  logger: Logger;
  now: Clock;
  /**
   * Takes the twin's lease for this run (lease-twin.ts): `Superseded` when a newer version
   * was approved or holds the twin, `TwinBusy` while another model group tests on it.
   */
  leaseTwin: (plan: Plan) => Promise<unknown>;
};

/** Names of every component edge-mlops manages for this model group (all targets). */
export const ownedComponents = (plan: Plan): string[] => [
  ...new Set([...plan.targets.map((t) => t.modelComponent.name), plan.inferenceComponent.name]),
];

/**
 * Our components for devices of one target platform: the model build and the inference code.
 * For a fleet's waves the inference component's configuration names the fleet (merged,
 * Greengrass API reference, ComponentConfigurationUpdate), which components/inference puts
 * in its metrics, so the fleet's bake analysis can read them.
 */
export const releaseComponents = (plan: Plan, platform: string, fleet?: string): ComponentMap => {
  const target = plan.targets.find((t) => t.name === platform);
  if (!target)
    throw new ConfigError(
      `platform "${platform}" is not a target of ${plan.modelPackageGroupName}`,
    );
  return {
    [target.modelComponent.name]: { componentVersion: target.modelComponent.version },
    [plan.inferenceComponent.name]: {
      componentVersion: plan.inferenceComponent.version,
      ...(fleet ? { configurationUpdate: { merge: JSON.stringify({ fleet }) } } : {}),
    },
  };
};

/**
 * Takes the twin's lease, then deploys the new model and inference components, plus the
 * profile's twin-only extras, to the digital twin, keeping every component we do not own.
 * Safe to repeat: the lease is already this run's, and see safeDeploy.
 */
export const deployToTwin = async (
  rawInput: DeployToTwinInput,
  { clientsFor, logger, now, leaseTwin }: DeployToTwinDeps,
): Promise<DeployToTwinOutput> => {
  const { plan } = parseInput(ReleaseInputSchema, rawInput);
  const { twin } = plan;
  const extras: ComponentMap = Object.fromEntries(
    Object.entries(twin.extraComponents).map(([name, extra]) => [
      name,
      {
        componentVersion: extra.version,
        ...(extra.configuration
          ? { configurationUpdate: { merge: JSON.stringify(extra.configuration) } }
          : {}),
      },
    ]),
  );
  const ours = { ...releaseComponents(plan, twin.platform), ...extras };
  // The twin is shared: only the lease holder deploys to it. Taken here, right before the
  // deployment, so a newer version that took the twin over meanwhile (or while a retry of
  // this task waited) stops this run instead of having its deployment replaced.
  await leaseTwin(plan);
  const result = await safeDeploy(clientsFor(twin.roleArn).greengrass, logger, {
    targetArn: twin.targetArn,
    deploymentName: `edge-mlops ${plan.modelPackageGroupName} v${plan.modelPackageVersion} twin`,
    purpose: 'twin',
    ours,
    owned: [...ownedComponents(plan), ...Object.keys(extras)],
    tags: { 'edge-mlops:model-package': plan.modelPackageArn },
  });
  return {
    ...result,
    ...(twin.roleArn ? { roleArn: twin.roleArn } : {}),
    // Its devices' progress sets the waits, as a wave's does (shared/polling.ts).
    startedAt: now().toISOString(),
    poll: startPolling(now(), twin.deploymentTimeoutMinutes * 60, TWIN_POLL),
  };
};
