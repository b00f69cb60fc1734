'use strict';
/**
 * serverless.yml resolves `custom.stage: ${file(./scripts/serverless/stage-config.cjs)}`
 * through this file: packaging validates config/<stage>.yml with the same schema the
 * Lambdas use (a bad field stops it with one line naming file, line and field), and
 * derives what the template needs from it. Local mode calls `derive` on the same config.
 */
const path = require('node:path');
const { register } = require('tsx/cjs/api');

const loaded = new Map();

const loadValidated = (file) => {
  if (loaded.has(file)) return loaded.get(file);
  const unregister = register();
  try {
    const { loadStageConfig } = require('../../functions/shared/stage-config/load.ts');
    const config = loadStageConfig(file);
    loaded.set(file, config);
    return config;
  } catch (error) {
    // The message already names file, line and field; a stack trace would only bury it.
    if (error.name === 'ConfigError') error.stack = `${error.name}: ${error.message}`;
    throw error;
  } finally {
    unregister();
  }
};

const { notificationResources } = require('./notifications.cjs');
const { accessScopes } = require('./access-scopes.cjs');
const { artifactReaderResources } = require('./artifact-readers.cjs');
const { smokeResponseResources } = require('./smoke-responses.cjs');
const { jobEventResources } = require('./job-events.cjs');
const { driftScopes } = require('./drift.cjs');

/** alarmExecutionsFailed, alarmRolloutAborted, … from scripts/serverless/alarm-descriptions.ts. */
const alarmDescriptions = (stage) => {
  const unregister = register();
  try {
    return require('./alarm-descriptions.ts').alarmDescriptions(stage);
  } finally {
    unregister();
  }
};

/**
 * `<stage>/<group>/inference/` of each model group whose inference component is built from a
 * folder (`components.inference.source`): where the deploy uploads its archives in the
 * artifact bucket (functions/shared/greengrass/inference-artifact.ts, inferenceArtifactPrefix).
 */
const builtInferencePrefixes = (config) =>
  Object.entries(config.modelGroups)
    .filter(([, p]) => p.components.inference.source)
    .map(([group]) => `${config.stage}/${group}/inference/`);

/** Everything serverless.yml derives from a validated stage configuration. */
const derive = (config) => {
  const pattern = require('../../events/rule-pattern.json');
  const access = accessScopes(config);
  const drift = driftScopes(config);
  const groups = Object.keys(config.modelGroups);
  const codeUris = Object.values(config.modelGroups)
    .map((p) => p.components.inference.artifactUri)
    .filter(Boolean);
  const probeArns = Object.values(config.modelGroups).flatMap((p) =>
    p.twin.tests.filter((t) => t.type === 'custom').map((t) => t.functionArn),
  );
  return {
    modelGroups: groups,
    // Greengrass reads inference code artifacts with the registering caller's rights.
    codeArtifactArns: [
      ...[...new Set(codeUris)].map((uri) => `arn:aws:s3:::${uri.slice('s3://'.length)}`),
      ...builtInferencePrefixes(config).map((prefix) => ({
        'Fn::Sub': `\${ArtifactBucket.Arn}/${prefix}*`,
      })),
    ],
    // Custom twin test Lambdas run-twin-tests may invoke (none: a placeholder no call can match).
    customProbeArns: probeArns.length
      ? [...new Set(probeArns)]
      : ['arn:aws:lambda:none:000000000000:function:edge-mlops-no-custom-probe'],
    // events/rule-pattern.json narrowed to the model groups this stage deploys.
    rulePattern: { ...pattern, detail: { ...pattern.detail, ModelPackageGroupName: groups } },
    // An approval link must outlive one signing key rotation (links are checked against the
    // current and the previous key), so rotations are at least the longest timeout apart.
    signingKeyRotationDays: Math.max(
      30,
      Math.ceil(
        Math.max(...Object.values(config.modelGroups).map((p) => p.approval.timeoutHours)) / 24,
      ),
    ),
    // The ARNs each function's role is narrowed to (thing groups, components, jobs …).
    ...access,
    // SNS subscriptions for approvers and recipients; stage-resources.cjs adds them to the template.
    notificationResources: notificationResources(config),
    // The artifact bucket's policy for deploying accounts; stage-resources.cjs adds it too.
    artifactReaderResources: artifactReaderResources(config),
    // Who may invoke recordSmokeResponse: the rules of twins in other accounts.
    smokeResponseResources: smokeResponseResources(config),
    // Who may invoke recordJobEvent: the job-event rules of fleets in other accounts.
    jobEventResources: jobEventResources(config),
    // The error alarms' descriptions, in the words of the error taxonomy.
    ...alarmDescriptions(config.stage),
    // detectDrift's schedules and scopes (docs/monitoring.md).
    ...drift,
    // recordResult snapshots drift baselines, which may sit beside the trained models: only
    // when the stage monitors a model group.
    monitoredModelObjectArns: drift.captureBucketArns.length ? access.modelObjectArns : [],
  };
};

module.exports = async ({ resolveVariable }) => {
  const stage = await resolveVariable('sls:stage');
  return derive(loadValidated(path.join('config', `${stage}.yml`)));
};
module.exports.derive = derive;
module.exports.builtInferencePrefixes = builtInferencePrefixes;
