'use strict';
/**
 * What detectDrift needs from the stage config (docs/monitoring.md): one schedule per
 * monitored model group, and the resources its role is narrowed to.
 */
const unique = (values) => [...new Set(values)];

const monitored = (config) =>
  Object.entries(config.modelGroups).filter(([, profile]) => profile.monitoring);

const s3Arn = (path) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:s3:::${path}` });

const driftScopes = (config) => {
  const groups = monitored(config);
  return {
    // The rule passes the model group and the scheduled event's time (EventBridge input
    // transformer: `$.time` of the "Scheduled Event"), so a run knows which window is complete.
    driftSchedules: groups.map(([group, { monitoring }]) => ({
      schedule: {
        rate: `rate(${monitoring.windowHours} ${monitoring.windowHours === 1 ? 'hour' : 'hours'})`,
        inputTransformer: {
          inputPathsMap: { time: '$.time' },
          inputTemplate: `{"modelGroup": ${JSON.stringify(group)}, "time": <time>}`,
        },
      },
    })),
    captureBucketArns: unique(groups.map(([, p]) => p.monitoring.captureBucket)).map(s3Arn),
    captureObjectArns: unique(
      groups.map(([g, p]) => `${p.monitoring.captureBucket}/${p.monitoring.capturePrefix}/${g}/*`),
    ).map(s3Arn),
    // Baselines named in the config ({version} stands for any version).
    baselineObjectArns: unique(
      groups
        .map(([, p]) => p.monitoring.baselineUri)
        .filter(Boolean)
        .map((uri) => uri.slice('s3://'.length).replaceAll('{version}', '*')),
    ).map(s3Arn),
    // SageMaker may write names in ARNs in lower case: both spellings when they differ.
    retrainingPipelineArns: unique(
      groups
        .map(([, p]) => p.monitoring.retraining?.pipelineName)
        .filter(Boolean)
        .flatMap((name) => [name, name.toLowerCase()]),
    ).map((name) => ({
      'Fn::Sub': `arn:\${AWS::Partition}:sagemaker:\${AWS::Region}:\${AWS::AccountId}:pipeline/${name}`,
    })),
  };
};

module.exports = { driftScopes };
