import { parse as parseYaml } from 'yaml';
import type { Check, Where } from './actions';

/**
 * Greengrass deployments act on IoT jobs, thing groups and thing shadows on the caller's
 * behalf. SAR (list_awsiotgreengrassv2, CreateDeployment and CancelDeployment rows) and the
 * Greengrass developer guide's minimal deployment policy ("DeployDevTools":
 * greengrass:CreateDeployment with iot:CancelJob, CreateJob, DeleteThingShadow, DescribeJob,
 * DescribeThing, DescribeThingGroup, GetThingShadow, UpdateJob, UpdateThingShadow) list them.
 * Each is checked on what it acts on: the deployment's IoT job (Greengrass picks its id, so
 * any job of the account), the target (the thing group, or the thing), and the core devices'
 * things (a group's members are not known in advance: any thing of the account). A policy
 * scoped to `job/*`, the configured groups and `thing/*` passes, as on AWS; one that
 * forgets a dependent action or names other groups is refused.
 */
export const DEPLOYMENT_DEPENDENT_ACTIONS = [
  'iot:CancelJob',
  'iot:CreateJob',
  'iot:DeleteThingShadow',
  'iot:DescribeJob',
  'iot:DescribeThing',
  'iot:DescribeThingGroup',
  'iot:GetThingShadow',
  'iot:UpdateJob',
  'iot:UpdateThingShadow',
];

const THING_ACTIONS = [
  'iot:DescribeThing',
  'iot:GetThingShadow',
  'iot:UpdateThingShadow',
  'iot:DeleteThingShadow',
];

/** The resources a dependent action of a deployment to `targetArn` acts on. */
const dependentResources = (w: Where, action: string, targetArn: string | undefined): string[] => {
  const iot = `arn:aws:iot:${w.region}:${w.account}`;
  const job = `${iot}:job/greengrass-deployment-job`;
  const target = targetArn && targetArn !== '*' ? targetArn : undefined;
  const isThing = Boolean(target && /:thing\//.test(target));
  if (action === 'iot:CreateJob') return [job, ...(target ? [target] : [])];
  if (action === 'iot:DescribeThingGroup') return target && !isThing ? [target] : [];
  if (THING_ACTIONS.includes(action)) return [isThing ? target! : `${iot}:thing/*`];
  return [job];
};

const dependent = (w: Where, actions: string[], targetArn?: string): Check[] =>
  actions.flatMap((action) =>
    dependentResources(w, action, targetArn).map((resource) => ({
      action,
      resource,
      dependent: true,
      unvalidated: true,
    })),
  );

/** The component name of an inline recipe (JSON or YAML, base64 in the request). */
const componentNameOf = (input: any): string | undefined => {
  try {
    const text = Buffer.from(String(input.inlineRecipe ?? ''), 'base64').toString('utf8');
    return (parseYaml(text) as { ComponentName?: string } | null)?.ComponentName;
  } catch {
    return undefined;
  }
};

/** The checks of a Greengrass operation (undefined: not one edge-mlops calls). */
export const greengrassChecks = (
  op: string,
  input: any,
  params: Record<string, string>,
  w: Where,
): Check[] | undefined => {
  // Tags on a create are authorized as greengrass:TagResource too.
  const tagging: Check[] =
    input.tags && Object.keys(input.tags).length
      ? [{ action: 'greengrass:TagResource', resource: '*', dependent: true, unvalidated: true }]
      : [];
  const own = (resource: string): Check[] => [{ action: `greengrass:${op}`, resource }];
  switch (op) {
    case 'CreateComponentVersion': {
      const name = componentNameOf(input) ?? '*';
      return [...own(`arn:aws:greengrass:${w.region}:${w.account}:components:${name}`), ...tagging];
    }
    case 'DescribeComponent':
    case 'GetComponent':
      return own(String(params.arn));
    case 'CreateDeployment':
      return [
        ...own(String(input.targetArn ?? '*')),
        ...dependent(w, DEPLOYMENT_DEPENDENT_ACTIONS, input.targetArn),
        ...tagging,
      ];
    case 'ListDeployments':
    case 'ListCoreDevices':
      return own('*');
    case 'GetDeployment':
      return own(`arn:aws:greengrass:${w.region}:${w.account}:deployments:${params.deploymentId}`);
    case 'CancelDeployment':
      return [
        ...own(`arn:aws:greengrass:${w.region}:${w.account}:deployments:${params.deploymentId}`),
        ...dependent(
          w,
          DEPLOYMENT_DEPENDENT_ACTIONS.filter((a) => a !== 'iot:CreateJob'),
        ),
      ];
    case 'ListInstalledComponents':
    case 'ListEffectiveDeployments':
      return own(
        `arn:aws:greengrass:${w.region}:${w.account}:coreDevices:${params.coreDeviceThingName}`,
      );
  }
  return undefined;
};
