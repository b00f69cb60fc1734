import { createHash } from 'node:crypto';
import type { Fleet, StageConfig } from '../../functions/shared/stage-config/schema';
import { CliError } from '../sre/executions';

/** Names of what the prerequisites stack creates in a device account (docs/devices.md). */
export const tokenExchangeRoleAlias = (stage: string) => `edge-mlops-${stage}-token-exchange`;
export const coreDevicePolicyName = (stage: string) => `edge-mlops-${stage}-core-device`;
export const claimPolicyName = (stage: string) => `edge-mlops-${stage}-provisioning-claim`;
/**
 * Provisioning template names are 1-36 of [0-9A-Za-z_-] (IoT API reference,
 * CreateProvisioningTemplate: templateName); stage and fleet are up to 24 characters each, so
 * a longer name keeps its first 27 characters and a hash of the whole, which stays unique.
 */
export const provisioningTemplateName = (stage: string, fleet: string) => {
  const name = `edge-mlops-${stage}-${fleet}`;
  if (name.length <= 36) return name;
  return `${name.slice(0, 27)}-${createHash('sha256').update(name).digest('hex').slice(0, 8)}`;
};

const nameOf = (arn: string) => arn.slice(arn.indexOf('/') + 1);
export const accountOf = (arn: string) => arn.split(':')[4]!;
export const regionOf = (arn: string) => arn.split(':')[3]!;

/** A fleet of the stage and the model group it belongs to, or a precise error. */
export const findFleet = (config: StageConfig, name: string): { group: string; fleet: Fleet } => {
  const found: { group: string; fleet: Fleet }[] = [];
  for (const [group, profile] of Object.entries(config.modelGroups))
    for (const fleet of profile.fleets) if (fleet.name === name) found.push({ group, fleet });
  if (found.length === 0) {
    const known = Object.values(config.modelGroups).flatMap((p) => p.fleets.map((f) => f.name));
    throw new CliError(
      `no fleet "${name}" in stage ${config.stage} (fleets: ${[...new Set(known)].join(', ')})`,
    );
  }
  return found[0]!;
};

/**
 * A new device joins its fleet's last wave: the broad one. Canary waves are chosen devices,
 * moved there on purpose (docs/devices.md).
 */
export const joinGroupOf = (fleet: Fleet) => {
  const wave = fleet.waves[fleet.waves.length - 1]!;
  return { wave: wave.name, groupArn: wave.targetArn, groupName: nameOf(wave.targetArn) };
};

/** The twin's template: `twin-<model group>` in place of a fleet name. */
export const twinProvisioningTemplateName = (stage: string, group: string) =>
  provisioningTemplateName(stage, `twin-${group}`);

/** What a new device joins: a fleet (its last wave) or a model group's twin thing group. */
export type Enrolment = {
  modelGroup: string;
  fleet?: string;
  wave?: string;
  /** "fleet factory-jetson" or "the twin of defect-detector". */
  label: string;
  /** Default thing name prefix. */
  prefix: string;
  groupArn: string;
  groupName: string;
  templateName: string;
};

export const fleetEnrolment = (config: StageConfig, name: string): Enrolment => {
  const { group, fleet } = findFleet(config, name);
  const join = joinGroupOf(fleet);
  return {
    modelGroup: group,
    fleet: fleet.name,
    wave: join.wave,
    label: `fleet ${fleet.name}`,
    prefix: fleet.name,
    groupArn: join.groupArn,
    groupName: join.groupName,
    templateName: provisioningTemplateName(config.stage, fleet.name),
  };
};

/** A twin that is a thing group takes devices like a fleet; a twin that is one thing does not. */
export const twinEnrolment = (config: StageConfig, group: string): Enrolment => {
  const profile = config.modelGroups[group];
  if (!profile)
    throw new CliError(
      `no model group "${group}" in stage ${config.stage} (model groups: ${Object.keys(config.modelGroups).join(', ')})`,
    );
  const arn = profile.twin.targetArn;
  if (!/:thinggroup\//.test(arn))
    throw new CliError(
      `the twin of ${group} is one thing (${arn}), not a thing group: that device is registered already, no other device can join it`,
    );
  return {
    modelGroup: group,
    label: `the twin of ${group}`,
    prefix: `${group}-twin`,
    groupArn: arn,
    groupName: nameOf(arn),
    templateName: twinProvisioningTemplateName(config.stage, group),
  };
};
