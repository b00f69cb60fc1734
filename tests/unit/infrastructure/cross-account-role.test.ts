import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCloudFormation } from '../../../emulator/serverless-service';

/** docs/cross-account-role.yml, the role edge-mlops assumes in the twin and fleet accounts. */
type Statement = { Sid: string; Action: string | string[]; Resource: unknown };
const template = parseCloudFormation(
  readFileSync(join(__dirname, '../../../docs/cross-account-role.yml'), 'utf8'),
) as any;
const statements = (): Statement[] =>
  template.Resources.DeployerRole.Properties.Policies.flatMap(
    (p: { PolicyDocument: { Statement: Statement[] } }) => p.PolicyDocument.Statement,
  );

describe('docs/cross-account-role.yml', () => {
  it('grants exactly the calls edge-mlops makes there and the IoT actions Greengrass deployments depend on', () => {
    // Act
    const actions = statements().flatMap((s) => [s.Action].flat());
    // Assess
    expect(actions.sort()).toEqual(
      [
        // deploy-to-twin, start-wave, roll-back-fleet, roll-back-rejected
        'greengrass:ListDeployments',
        'greengrass:GetDeployment',
        'greengrass:CreateDeployment',
        'greengrass:CancelDeployment',
        'greengrass:TagResource',
        // run-twin-tests (its devices: the deployment's job executions, below; smoke requests)
        'greengrass:ListInstalledComponents',
        'iot:Publish',
        // register-model-component, register-inference-component: the version must exist
        // in this account, and Greengrass reads its artifacts with the caller's rights
        'greengrass:CreateComponentVersion',
        'greengrass:DescribeComponent',
        'greengrass:GetComponent',
        'greengrass:TagResource',
        's3:GetObject',
        // check-deployment (a wave's bake: the core devices of its group)
        'greengrass:ListCoreDevices',
        'iot:DescribeJob',
        'iot:ListJobExecutionsForJob',
        // Greengrass developer guide, dependent actions of a deployment
        'iot:CreateJob',
        'iot:CancelJob',
        'iot:UpdateJob',
        'iot:DescribeThing',
        'iot:DescribeThingGroup',
        // detect-drift: the devices of each fleet
        'iot:ListThingsInThingGroup',
        'iot:GetThingShadow',
        'iot:UpdateThingShadow',
        'iot:DeleteThingShadow',
      ].sort(),
    );
  });

  it('uses Resource "*" only for actions that support no resource type', () => {
    // Act
    const wide = statements()
      .filter((s) => s.Resource === '*')
      .flatMap((s) => [s.Action].flat());
    // Assess
    expect(wide.sort()).toEqual([
      'greengrass:CreateDeployment',
      'greengrass:ListCoreDevices',
      'greengrass:ListDeployments',
    ]);
  });

  it('scopes job creation to its jobs and the thing groups given as parameter', () => {
    // Act
    const createJob = statements().find((s) => [s.Action].flat().includes('iot:CreateJob'))!;
    // Assess
    expect(JSON.stringify(createJob.Resource)).toContain(':job/*');
    expect(JSON.stringify(createJob.Resource)).toContain('{"Ref":"ThingGroupArns"}');
  });

  it('scopes component registration to the configured name prefix: the components and their versions', () => {
    // Act
    const create = statements().find((s) =>
      [s.Action].flat().includes('greengrass:CreateComponentVersion'),
    )!;
    // Assess
    expect([create.Action].flat().sort()).toEqual([
      'greengrass:CreateComponentVersion',
      'greengrass:DescribeComponent',
      'greengrass:GetComponent',
      'greengrass:TagResource',
    ]);
    // components:<prefix>* matches components:<name> and components:<name>:versions:<v>.
    expect(create.Resource).toEqual({
      'Fn::Sub': `arn:\${AWS::Partition}:greengrass:\${AWS::Region}:\${AWS::AccountId}:components:\${ComponentNamePrefix}*`,
    });
    expect(template.Parameters.ComponentNamePrefix.AllowedPattern).toBe('[a-zA-Z0-9._-]+');
  });

  it('reads only the artifact objects given as parameter, and publishes only smoke requests', () => {
    // Act
    const reads = statements().find((s) => [s.Action].flat().includes('s3:GetObject'))!;
    const publish = statements().find((s) => [s.Action].flat().includes('iot:Publish'))!;
    // Assess
    expect(reads.Resource).toEqual({ Ref: 'ArtifactObjectArns' });
    expect(template.Parameters.ArtifactObjectArns.Type).toBe('CommaDelimitedList');
    expect(publish.Resource).toEqual({
      'Fn::Sub': `arn:\${AWS::Partition}:iot:\${AWS::Region}:\${AWS::AccountId}:topic/edge-mlops/smoke/request/*`,
    });
  });

  it('in a twin account, hands smoke-test answers to the function the stack allows, under the rule name it allows', () => {
    // Prepare: the name the stack's permission names (scripts/serverless/smoke-responses.cjs).
    const { ruleName } = require('../../../scripts/serverless/smoke-responses.cjs') as {
      ruleName: (stage: string) => string;
    };
    const rule = template.Resources.SmokeResponsesRule;
    const [
      separator,
      {
        'Fn::Split': [splitOn, { 'Fn::Sub': pattern }],
      },
    ] = rule.Properties.RuleName['Fn::Join'];
    // Act: CloudFormation's Join(Split(Sub)) for a stage with a hyphen
    const named = pattern.replace(`\${Stage}`, 'pre-prod').split(splitOn).join(separator);
    // Assess
    expect(named).toBe(ruleName('pre-prod'));
    expect(named).toMatch(/^[a-zA-Z0-9_]+$/);
    expect(rule.Condition).toBe('IsTwinAccount');
    expect(template.Conditions.IsTwinAccount).toEqual({
      'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'SmokeResponsesFunctionArn' }, ''] }],
    });
    expect(rule.Properties.TopicRulePayload.Sql).toBe(
      "SELECT *, topic(4) AS runId FROM 'edge-mlops/smoke/response/+'",
    );
    expect(rule.Properties.TopicRulePayload.Actions).toEqual([
      { Lambda: { FunctionArn: { Ref: 'SmokeResponsesFunctionArn' } } },
    ]);
    expect(template.Parameters.SmokeResponsesFunctionArn.Default).toBe('');
  });
});
