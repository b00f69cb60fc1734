'use strict';
/**
 * IoT job events of fleets in other accounts. A wave's IoT job lives in its fleet's account,
 * where IoT publishes `$aws/events/job/<jobId>/canceled`; only that account's rules see it,
 * and a rule reaches the pipeline account's function through the function's resource policy
 * (AWS IoT developer guide, "Accessing cross-account resources using AWS IoT rules"; a Lambda
 * action must be in the function's Region). So the fleet account's rule
 * (docs/cross-account-role.yml, parameter JobEventsFunctionArn) invokes recordJobEvent, and this
 * stack allows exactly that rule, by ARN and account. A fleet is in another account when it has
 * a roleArn; without one, the stack's own JobEventsRule serves it. None: nothing generated.
 */
const { parseArn } = require('./access-scopes.cjs');

/** edge_mlops_<stage>_job_events: rule names allow no hyphens. */
const jobEventsRuleName = (stage) => `edge_mlops_${stage}_job_events`.replace(/-/g, '_');

const jobEventResources = (config) => {
  const foreign = new Map();
  for (const profile of Object.values(config.modelGroups))
    for (const fleet of profile.fleets.filter((f) => f.roleArn))
      for (const wave of fleet.waves) {
        const { account, region } = parseArn(wave.targetArn);
        foreign.set(`${account}:${region}`, { account, region });
      }
  if (foreign.size === 0) return {};
  const Resources = {};
  for (const { account, region } of [...foreign.values()].sort((a, b) =>
    `${a.account}${a.region}`.localeCompare(`${b.account}${b.region}`),
  )) {
    Resources[`JobEventsFrom${account}${region.replace(/-/g, '')}`] = {
      Type: 'AWS::Lambda::Permission',
      Properties: {
        FunctionName: { 'Fn::GetAtt': ['RecordJobEventLambdaFunction', 'Arn'] },
        Action: 'lambda:InvokeFunction',
        Principal: 'iot.amazonaws.com',
        SourceAccount: account,
        SourceArn: {
          'Fn::Sub': `arn:\${AWS::Partition}:iot:${region}:${account}:rule/${jobEventsRuleName(config.stage)}`,
        },
      },
    };
  }
  return {
    Resources,
    Outputs: {
      JobEventsFunctionArn: {
        Description:
          'Pass as JobEventsFunctionArn to docs/cross-account-role.yml in each fleet account',
        Value: { 'Fn::GetAtt': ['RecordJobEventLambdaFunction', 'Arn'] },
      },
    },
  };
};

module.exports = { jobEventResources, jobEventsRuleName };
