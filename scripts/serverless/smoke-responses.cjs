'use strict';
/**
 * Smoke-test answers from twins in other accounts. A device answers on its own account's IoT
 * endpoint, where only that account's rules see the message; AWS IoT rules reach another
 * account only through resource-based permissions (SQS, SNS, S3, Lambda: IoT developer guide,
 * "Accessing cross-account resources using AWS IoT rules"), and a Lambda action must be in the
 * function's Region. So the twin account's rule (docs/cross-account-role.yml, parameter
 * SmokeResponsesFunctionArn) invokes recordSmokeResponse, and this stack allows exactly that
 * rule, by ARN and account, to invoke it. A twin is in another account when it has a roleArn
 * (as everywhere in the stage config); without one it uses the stack's SmokeResponsesRule.
 * No twin in another account: nothing generated.
 */
const { parseArn } = require('./access-scopes.cjs');

const { register } = require('tsx/cjs/api');

/** The rule's name, from the smoke-test contract the functions and the emulator use too. */
const ruleName = (stage) => {
  const unregister = register();
  try {
    return require('../../functions/shared/smoke-contract.ts').smokeResponsesRuleName(stage);
  } finally {
    unregister();
  }
};

const smokeResponseResources = (config) => {
  const twins = Object.values(config.modelGroups)
    .filter((p) => p.twin.roleArn)
    .map((p) => parseArn(p.twin.targetArn));
  const foreign = new Map();
  for (const { account, region } of twins) foreign.set(`${account}:${region}`, { account, region });
  if (foreign.size === 0) return {};
  const Resources = {};
  for (const { account, region } of [...foreign.values()].sort((a, b) =>
    `${a.account}${a.region}`.localeCompare(`${b.account}${b.region}`),
  )) {
    Resources[`SmokeResponsesFrom${account}${region.replace(/-/g, '')}`] = {
      Type: 'AWS::Lambda::Permission',
      Properties: {
        FunctionName: { 'Fn::GetAtt': ['RecordSmokeResponseLambdaFunction', 'Arn'] },
        Action: 'lambda:InvokeFunction',
        Principal: 'iot.amazonaws.com',
        SourceAccount: account,
        SourceArn: {
          'Fn::Sub': `arn:\${AWS::Partition}:iot:${region}:${account}:rule/${ruleName(config.stage)}`,
        },
      },
    };
  }
  return {
    Resources,
    Outputs: {
      SmokeResponsesFunctionArn: {
        Description:
          'Pass as SmokeResponsesFunctionArn to docs/cross-account-role.yml in each twin account',
        Value: { 'Fn::GetAtt': ['RecordSmokeResponseLambdaFunction', 'Arn'] },
      },
    },
  };
};

module.exports = { smokeResponseResources, ruleName };
