import type { Logger } from '@aws-lambda-powertools/logger';
import {
  type ComponentDeploymentSpecification,
  CreateDeploymentCommand,
  type CreateDeploymentCommandInput,
  type DeploymentIoTJobConfiguration,
  GetDeploymentCommand,
  type GetDeploymentCommandOutput,
  type GreengrassV2Client,
  ListDeploymentsCommand,
} from '@aws-sdk/client-greengrassv2';
import { classifyAwsError } from '../errors';
import { canonicalJson, contentHash } from '../names';

/**
 * Safe deployments. Greengrass holds one deployment per target, and a new deployment
 * *replaces* it: any component it does not list is removed from the devices. So before
 * every CreateDeployment we read the target's current deployment and change only the
 * components we own, keeping everything else (the Nucleus pin, other teams' components)
 * exactly as it was.
 */
export type ComponentMap = Record<string, ComponentDeploymentSpecification>;

export type DeploymentDiff = {
  added: { name: string; version: string }[];
  changed: { name: string; from: string; to: string }[];
  removed: { name: string; version: string }[];
  kept: { name: string; version: string }[];
};

export type CurrentDeployment = {
  deploymentId?: string;
  deploymentName?: string;
  status?: string;
  /** The IoT job that carries a thing group's deployment to its devices. */
  iotJobId?: string;
  components: ComponentMap;
};

/** The latest deployment of a target, or an empty one if it never had any. */
export const currentDeployment = async (
  greengrass: GreengrassV2Client,
  targetArn: string,
): Promise<CurrentDeployment> => {
  try {
    const { deployments } = await greengrass.send(
      new ListDeploymentsCommand({ targetArn, historyFilter: 'LATEST_ONLY', maxResults: 1 }),
    );
    const latest = deployments?.find((d) => d.isLatestForTarget !== false) ?? deployments?.[0];
    if (!latest?.deploymentId) return { components: {} };
    const deployment: GetDeploymentCommandOutput = await greengrass.send(
      new GetDeploymentCommand({ deploymentId: latest.deploymentId }),
    );
    return {
      deploymentId: deployment.deploymentId,
      deploymentName: deployment.deploymentName,
      status: deployment.deploymentStatus,
      iotJobId: deployment.iotJobId,
      components: deployment.components ?? {},
    };
  } catch (error) {
    throw classifyAwsError(error, `reading the current deployment of ${targetArn}`);
  }
};

/**
 * Merges our components into the target's current set. `owned` are the names we manage:
 * each is set to `ours[name]`, or removed when `ours` lacks it (a rollback to before our
 * first release). Every other component is kept untouched.
 */
export const mergeComponents = (
  current: ComponentMap,
  ours: ComponentMap,
  owned: readonly string[],
): { components: ComponentMap; diff: DeploymentDiff } => {
  const components: ComponentMap = {};
  const diff: DeploymentDiff = { added: [], changed: [], removed: [], kept: [] };
  for (const [name, spec] of Object.entries(current)) {
    if (owned.includes(name) || name in ours) continue;
    components[name] = spec;
    diff.kept.push({ name, version: spec.componentVersion ?? '?' });
  }
  for (const name of owned) {
    const before = current[name];
    const after = ours[name];
    if (after) {
      components[name] = after;
      if (!before) diff.added.push({ name, version: after.componentVersion ?? '?' });
      else if (canonicalJson(before) !== canonicalJson(after)) {
        diff.changed.push({
          name,
          from: before.componentVersion ?? '?',
          to: after.componentVersion ?? '?',
        });
      } else diff.kept.push({ name, version: after.componentVersion ?? '?' });
    } else if (before) {
      diff.removed.push({ name, version: before.componentVersion ?? '?' });
    }
  }
  for (const [name, spec] of Object.entries(ours)) {
    if (owned.includes(name)) continue;
    components[name] = spec;
    if (!current[name]) diff.added.push({ name, version: spec.componentVersion ?? '?' });
  }
  return { components, diff };
};

/** True when two component sets would deploy exactly the same thing. */
export const sameComponents = (a: ComponentMap, b: ComponentMap): boolean =>
  canonicalJson(a) === canonicalJson(b);

/**
 * Greengrass clientToken from what is deployed where, on top of which deployment: a retry
 * within 8 h gets the same deployment, while deploying the same set again after it failed
 * (a new predecessor) makes a new one.
 */
export const deploymentToken = (
  targetArn: string,
  purpose: string,
  components: ComponentMap,
  replacing: string | undefined,
) => `dep-${contentHash([targetArn, purpose, components, replacing ?? null]).slice(0, 56)}`;

export type DeployRequest = {
  targetArn: string;
  deploymentName: string;
  purpose: string;
  ours: ComponentMap;
  owned: readonly string[];
  iotJobConfiguration?: DeploymentIoTJobConfiguration;
  tags?: Record<string, string>;
};

export type DeployResult = {
  deploymentId: string;
  targetArn: string;
  /** False when the target already ran exactly this set, so nothing was deployed. */
  created: boolean;
  diff: DeploymentDiff;
};

/** Statuses of an existing deployment that mean "it is (being) applied", so reusable. */
const LIVE_STATUSES = new Set(['ACTIVE', 'COMPLETED']);

/**
 * Deploys `ours` to a target after merging with what it runs. Idempotent: when the
 * target's current deployment already lists exactly the merged set (a retry, redrive or
 * replay), that deployment is returned and nothing is created; otherwise the clientToken
 * (derived from target, purpose and components) absorbs a retry within 8 hours.
 */
export const safeDeploy = async (
  greengrass: GreengrassV2Client,
  logger: Logger,
  request: DeployRequest,
): Promise<DeployResult> => {
  const current = await currentDeployment(greengrass, request.targetArn);
  const { components, diff } = mergeComponents(current.components, request.ours, request.owned);

  if (
    current.deploymentId &&
    LIVE_STATUSES.has(current.status ?? '') &&
    sameComponents(current.components, components)
  ) {
    logger.info('target already runs this deployment', {
      targetArn: request.targetArn,
      deploymentId: current.deploymentId,
    });
    return {
      deploymentId: current.deploymentId,
      targetArn: request.targetArn,
      created: false,
      diff,
    };
  }

  const input: CreateDeploymentCommandInput = {
    targetArn: request.targetArn,
    deploymentName: request.deploymentName.slice(0, 256),
    components,
    deploymentPolicies: {
      failureHandlingPolicy: 'ROLLBACK',
      componentUpdatePolicy: { action: 'NOTIFY_COMPONENTS', timeoutInSeconds: 60 },
      configurationValidationPolicy: { timeoutInSeconds: 30 },
    },
    ...(request.iotJobConfiguration ? { iotJobConfiguration: request.iotJobConfiguration } : {}),
    clientToken: deploymentToken(
      request.targetArn,
      request.purpose,
      components,
      current.deploymentId,
    ),
    tags: { 'edge-mlops:managed': 'true', ...request.tags },
  };
  try {
    const { deploymentId } = await greengrass.send(new CreateDeploymentCommand(input));
    if (!deploymentId) throw new Error('CreateDeployment returned no deploymentId');
    logger.info('deployment created', { targetArn: request.targetArn, deploymentId, diff });
    return { deploymentId, targetArn: request.targetArn, created: true, diff };
  } catch (error) {
    throw classifyAwsError(error, `CreateDeployment to ${request.targetArn}`);
  }
};
