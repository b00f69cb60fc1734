'use strict';
/**
 * serverless.yml resolves `${file(./scripts/serverless/stage-config.cjs):modelGroups}`
 * through this file, so packaging validates config/<stage>.yml with the same schema the
 * Lambdas use and stops with a one-line error naming the bad field.
 */
const path = require('node:path');
const { register } = require('tsx/cjs/api');

const loaded = new Map();

const loadValidated = (stage) => {
  if (loaded.has(stage)) return loaded.get(stage);
  const unregister = register();
  try {
    const { loadStageConfig } = require('../../functions/shared/stage-config/load.ts');
    const config = loadStageConfig(path.join('config', `${stage}.yml`));
    loaded.set(stage, config);
    return config;
  } catch (error) {
    // The message already names file, line and field; a stack trace would only bury it.
    if (error.name === 'ConfigError') error.stack = `${error.name}: ${error.message}`;
    throw error;
  } finally {
    unregister();
  }
};

const customProbeArns = (config) => {
  const arns = Object.values(config.modelGroups).flatMap((p) =>
    p.twin.tests.filter((t) => t.type === 'custom').map((t) => t.functionArn),
  );
  return arns.length
    ? [...new Set(arns)]
    : ['arn:aws:lambda:none:000000000000:function:edge-mlops-no-custom-probe'];
};

/**
 * `custom.stage: ${file(./scripts/serverless/stage-config.cjs)}` — everything serverless.yml
 * derives from the stage configuration, resolved (and validated) once.
 */
module.exports = async ({ resolveVariable }) => {
  const config = loadValidated(await resolveVariable('sls:stage'));
  const pattern = require('../../events/rule-pattern.json');
  const codeUris = Object.values(config.modelGroups).map((p) => p.components.inference.artifactUri);
  return {
    modelGroups: Object.keys(config.modelGroups),
    // Greengrass reads inference code artifacts with the registering caller's rights.
    codeArtifactArns: [...new Set(codeUris)].map(
      (uri) => `arn:aws:s3:::${uri.slice('s3://'.length)}`,
    ),
    // Custom twin test Lambdas run-twin-tests may invoke (none: a placeholder no call can match).
    customProbeArns: customProbeArns(config),
    // events/rule-pattern.json narrowed to the model groups this stage deploys.
    rulePattern: {
      ...pattern,
      detail: { ...pattern.detail, ModelPackageGroupName: Object.keys(config.modelGroups) },
    },
  };
};
