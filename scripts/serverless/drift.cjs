'use strict';
/**
 * What detectDrift needs from the stage config (docs/monitoring.md): one schedule per
 * monitored model group, and the resources its role is narrowed to.
 */
const unique = (values) => [...new Set(values)];

const monitored = (config) =>
  Object.entries(config.modelGroups).filter(([, profile]) => profile.monitoring);

const s3Arn = (path) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:s3:::${path}` });

const logicalId = (group, i, taken) => {
  const base = `DetectDriftSchedule${group.replace(/[^A-Za-z0-9]/g, '')}`;
  return taken.has(base) ? `${base}${i}` : base;
};

/**
 * The rule passes the model group and the scheduled event's time (EventBridge input
 * transformer on `$.time` of the "Scheduled Event"), so a run knows which window is complete;
 * the permission lets EventBridge invoke detectDrift from that rule only.
 */
const scheduleResources = (groups) => {
  const Resources = {};
  groups.forEach(([group, { monitoring }], i) => {
    const id = logicalId(group, i, new Set(Object.keys(Resources)));
    const hours = monitoring.windowHours;
    Resources[id] = {
      Type: 'AWS::Events::Rule',
      Properties: {
        Description: `edge-mlops: drift detection of ${group}, every ${hours} h`,
        ScheduleExpression: `rate(${hours} ${hours === 1 ? 'hour' : 'hours'})`,
        State: 'ENABLED',
        Targets: [
          {
            Id: 'detectDrift',
            Arn: { 'Fn::GetAtt': ['DetectDriftLambdaFunction', 'Arn'] },
            InputTransformer: {
              InputPathsMap: { time: '$.time' },
              InputTemplate: `{"modelGroup": ${JSON.stringify(group)}, "time": <time>}`,
            },
          },
        ],
      },
    };
    Resources[`${id}Permission`] = {
      Type: 'AWS::Lambda::Permission',
      Properties: {
        FunctionName: { 'Fn::GetAtt': ['DetectDriftLambdaFunction', 'Arn'] },
        Action: 'lambda:InvokeFunction',
        Principal: 'events.amazonaws.com',
        SourceArn: { 'Fn::GetAtt': [id, 'Arn'] },
      },
    };
  });
  return { Resources };
};

const driftScopes = (config) => {
  const groups = monitored(config);
  return {
    // One schedule rule per monitored group; stage-resources.cjs adds them to the template.
    driftScheduleResources: scheduleResources(groups),
    captureBucketArns: unique(groups.map(([, p]) => p.monitoring.captureBucket)).map(s3Arn),
    // ListBucket only under each group's capture prefix (condition key s3:prefix).
    captureListPrefixes: unique(groups.map(([g, p]) => `${p.monitoring.capturePrefix}/${g}/*`)),
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
