import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, type Tags } from 'yaml';

/** docs/cross-account-role.yml, the role edge-mlops assumes in the twin and fleet accounts. */
const TAGS = ['Ref', 'Sub', 'GetAtt', 'Join', 'Split'].flatMap((name) =>
  ([undefined, 'seq', 'map'] as const).map((collection) => ({
    tag: `!${name}`,
    ...(collection ? { collection } : {}),
    resolve: (value: unknown) => ({ [name === 'Ref' ? 'Ref' : `Fn::${name}`]: value }),
  })),
) as Tags;
type Statement = { Sid: string; Action: string | string[]; Resource: unknown };
const template = parse(
  readFileSync(join(__dirname, '../../../docs/cross-account-role.yml'), 'utf8'),
  { customTags: TAGS },
);
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
        // run-twin-tests (its devices: the deployment's job executions, below)
        'greengrass:ListInstalledComponents',
        // check-deployment
        'iot:DescribeJob',
        'iot:ListJobExecutionsForJob',
        // Greengrass developer guide, dependent actions of a deployment
        'iot:CreateJob',
        'iot:CancelJob',
        'iot:UpdateJob',
        'iot:DescribeThing',
        'iot:DescribeThingGroup',
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
    expect(wide.sort()).toEqual(['greengrass:CreateDeployment', 'greengrass:ListDeployments']);
  });

  it('scopes job creation to its jobs and the thing groups given as parameter', () => {
    // Act
    const createJob = statements().find((s) => [s.Action].flat().includes('iot:CreateJob'))!;
    // Assess
    expect(JSON.stringify(createJob.Resource)).toContain(':job/*');
    expect(JSON.stringify(createJob.Resource)).toContain('{"Ref":"ThingGroupArns"}');
  });
});
