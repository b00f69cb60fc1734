'use strict';
/**
 * The resources each function's role is narrowed to, derived from the stage config so
 * that no IAM statement says `Resource: "*"` where the action supports a narrower ARN
 * (Service Authorization Reference: "Actions, resources, and condition keys for AWS IoT
 * Greengrass V2", "… for AWS IoT", "… for Amazon SageMaker AI").
 *
 * Targets that name a `roleArn` are reached through that assumed role, so the function's
 * own role needs nothing on them but sts:AssumeRole; the other targets are in the stack's
 * account and get their thing groups, things, IoT jobs (Greengrass creates one job per
 * deployment, with an id it chooses: `job/*`) and Greengrass deployments. An empty list
 * means "nothing to grant": the statement is dropped from the packaged template
 * (scripts/serverless/stage-resources.cjs), since IAM refuses an empty Resource.
 */

/** arn:partition:service:region:account:resource */
const parseArn = (arn) => {
  const [, partition, service, region, account, ...rest] = arn.split(':');
  return { partition, service, region, account, resource: rest.join(':') };
};

const unique = (values) => [...new Set(values)];

/** Own-account targets (no roleArn) of the twins and of the fleets' waves. */
const ownTargets = (config) => {
  const twins = [];
  const waves = [];
  for (const profile of Object.values(config.modelGroups)) {
    if (!profile.twin.roleArn) twins.push(profile.twin.targetArn);
    for (const fleet of profile.fleets)
      if (!fleet.roleArn) waves.push(...fleet.waves.map((w) => w.targetArn));
  }
  return { twins: unique(twins), waves: unique(waves) };
};

const inAccountOf = (targetArns, service, resource) =>
  unique(
    targetArns.map((arn) => {
      const { partition, region, account } = parseArn(arn);
      return `arn:${partition}:${service}:${region}:${account}:${resource}`;
    }),
  );

const ofKind = (targetArns, kind) =>
  targetArns.filter((arn) => parseArn(arn).resource.startsWith(`${kind}/`));

/** Greengrass core devices are things; a group's members are not known at package time. */
const coreDeviceArns = (targetArns) =>
  unique(
    targetArns.map((arn) => {
      const { partition, region, account, resource } = parseArn(arn);
      const device = resource.startsWith('thing/') ? resource.slice('thing/'.length) : '*';
      return `arn:${partition}:greengrass:${region}:${account}:coreDevices:${device}`;
    }),
  );

/**
 * The things Greengrass reads and whose shadows it updates for a deployment (dependent
 * actions of CreateDeployment): the thing itself, or any thing of a group's account, since
 * a group's members are not known at package time.
 */
const deviceThingArns = (targetArns) =>
  unique(
    targetArns.map((arn) => {
      const { partition, region, account, resource } = parseArn(arn);
      return resource.startsWith('thing/')
        ? arn
        : `arn:${partition}:iot:${region}:${account}:thing/*`;
    }),
  );

/** A component (CreateComponentVersion) and its versions (Describe/GetComponent, tags). */
const componentArns = (names) =>
  unique(names).flatMap((name) => [
    {
      'Fn::Sub': `arn:\${AWS::Partition}:greengrass:\${AWS::Region}:\${AWS::AccountId}:components:${name}`,
    },
    {
      'Fn::Sub': `arn:\${AWS::Partition}:greengrass:\${AWS::Region}:\${AWS::AccountId}:components:${name}:versions:*`,
    },
  ]);

/**
 * Versioned model package ARNs are model-package/<group>/<version>. SageMaker may write
 * the group part in lower case, so both spellings are granted when they differ.
 */
const modelPackageArns = (groups) =>
  unique(groups.flatMap((g) => [g, g.toLowerCase()])).map((g) => ({
    'Fn::Sub': `arn:\${AWS::Partition}:sagemaker:\${AWS::Region}:\${AWS::AccountId}:model-package/${g}/*`,
  }));

const accessScopes = (config) => {
  const { twins, waves } = ownTargets(config);
  const profiles = Object.values(config.modelGroups);
  const twinRoles = unique(profiles.map((p) => p.twin.roleArn).filter(Boolean));
  const fleetRoles = unique(
    profiles.flatMap((p) => p.fleets.map((f) => f.roleArn)).filter(Boolean),
  );
  const modelBuckets = config.modelBuckets ?? [];
  return {
    // CreateJob authorizes the job and each of its targets.
    twinCreateJobArns: [...inAccountOf(twins, 'iot', 'job/*'), ...twins],
    twinGroupArns: ofKind(twins, 'thinggroup'),
    twinThingArns: deviceThingArns(twins),
    twinJobArns: inAccountOf(twins, 'iot', 'job/*'),
    twinDeploymentArns: inAccountOf(twins, 'greengrass', 'deployments:*'),
    twinCoreDeviceArns: coreDeviceArns(twins),
    waveGroupArns: waves,
    waveThingArns: deviceThingArns(waves),
    waveCoreDeviceArns: coreDeviceArns(waves),
    allCoreDeviceArns: coreDeviceArns([...twins, ...waves]),
    waveCreateJobArns: [...inAccountOf(waves, 'iot', 'job/*'), ...waves],
    waveJobArns: inAccountOf(waves, 'iot', 'job/*'),
    waveDeploymentArns: inAccountOf(waves, 'greengrass', 'deployments:*'),
    allJobArns: unique([
      ...inAccountOf(twins, 'iot', 'job/*'),
      ...inAccountOf(waves, 'iot', 'job/*'),
    ]),
    allDeploymentArns: unique([
      ...inAccountOf(twins, 'greengrass', 'deployments:*'),
      ...inAccountOf(waves, 'greengrass', 'deployments:*'),
    ]),
    twinRoleArns: twinRoles,
    fleetRoleArns: fleetRoles,
    deployerRoleArns: unique([...twinRoles, ...fleetRoles]),
    modelComponentArns: componentArns(profiles.map((p) => p.components.model.name)),
    inferenceComponentArns: componentArns(profiles.map((p) => p.components.inference.name)),
    modelPackageArns: modelPackageArns(Object.keys(config.modelGroups)),
    // Trained models Neo compiles (ModelDataUrl); default: the SageMaker default bucket.
    modelObjectArns: modelBuckets.length
      ? modelBuckets.map((b) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:s3:::${b}/*` }))
      : [
          {
            'Fn::Sub': `arn:\${AWS::Partition}:s3:::sagemaker-\${AWS::Region}-\${AWS::AccountId}/*`,
          },
        ],
  };
};

module.exports = { accessScopes, parseArn };
