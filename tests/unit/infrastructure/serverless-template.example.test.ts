import { type PackageResult, packageService } from '../../helpers/package-service';

/**
 * config/example.yml is the multi-account layout: the twin in a pre-production account
 * and the fleet in a production account, both reached through a deployer role, with
 * three approvers and two ops contacts. Its packaged template is what a first real
 * deploy would create.
 */
type Resource = { Type: string; Properties: Record<string, any> };
type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

let packaged: PackageResult;
let resources: Record<string, Resource>;
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const statementsOf = (functionPrefix: string) => {
  const [, fn] = ofType('AWS::Lambda::Function').find(([id]) => id.startsWith(functionPrefix))!;
  const role = resources[fn.Properties.Role['Fn::GetAtt'][0]]!;
  return (role.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[]).flatMap(
    (p) => p.PolicyDocument.Statement,
  );
};
const granting = (statements: Statement[], action: string) =>
  statements.filter((s) => [s.Action].flat().includes(action));

beforeAll(() => {
  packaged = packageService('example');
  if (packaged.status !== 0) throw new Error(`serverless package failed:\n${packaged.output}`);
  resources = packaged.template!.Resources;
}, 320_000);

describe('serverless package --stage example (twin and fleet in other accounts)', () => {
  it('subscribes one e-mail per approver, each filtered to their own links', () => {
    // Act
    const approvers = ofType('AWS::SNS::Subscription')
      .map(([, s]) => s.Properties)
      .filter((s) => s.TopicArn.Ref === 'ApprovalTopic' && s.Protocol !== 'lambda');
    // Assess
    expect(approvers.map((s) => [s.Protocol, s.Endpoint, s.FilterPolicy])).toEqual([
      ['email', 'alice@example.com', { approver: ['alice@example.com'] }],
      ['email', 'bob@example.com', { approver: ['bob@example.com'] }],
      ['email', 'carol@example.com', { approver: ['carol@example.com'] }],
    ]);
  });

  it('subscribes each ops contact to the alarms, by e-mail or https, and outputs who', () => {
    // Act
    const ops = ofType('AWS::SNS::Subscription')
      .map(([, s]) => s.Properties)
      .filter((s) => s.TopicArn.Ref === 'OpsTopic');
    // Assess
    expect(ops.map((s) => [s.Protocol, s.Endpoint])).toEqual([
      ['email', 'sre@example.com'],
      ['https', 'https://oncall.example.com/hooks/sns/edge-mlops'],
    ]);
    expect(packaged.template!.Outputs.OpsSubscriptions.Value).toBe(
      'sre@example.com, https://oncall.example.com/hooks/sns/edge-mlops',
    );
  });

  it('assumes exactly the deployer roles the config names: the twin role to test, the fleet role to roll out', () => {
    // Act
    const assumed = (fn: string) =>
      granting(statementsOf(fn), 'sts:AssumeRole').flatMap((s) => [s.Resource].flat());
    // Assess
    expect(assumed('DeployToTwin')).toEqual([
      'arn:aws:iam::111111111111:role/edge-mlops-preprod-deployer',
    ]);
    expect(assumed('StartWave')).toEqual([
      'arn:aws:iam::222222222222:role/edge-mlops-prod-deployer',
    ]);
    expect(assumed('CheckDeployment').sort()).toEqual([
      'arn:aws:iam::111111111111:role/edge-mlops-preprod-deployer',
      'arn:aws:iam::222222222222:role/edge-mlops-prod-deployer',
    ]);
  });

  it('lets the register functions assume the deployer roles, to register components in the twin and fleet accounts', () => {
    // Act
    const assumed = (fn: string) =>
      granting(statementsOf(fn), 'sts:AssumeRole').flatMap((s) => [s.Resource].flat());
    // Assess
    for (const fn of ['RegisterModelComponent', 'RegisterInferenceComponent'])
      expect(assumed(fn).sort()).toEqual([
        'arn:aws:iam::111111111111:role/edge-mlops-preprod-deployer',
        'arn:aws:iam::222222222222:role/edge-mlops-prod-deployer',
      ]);
  });

  it("lets the twin's and the fleet's accounts locate the bucket and read the group's compiled models, nothing else", () => {
    // Act
    const policy = ofType('AWS::S3::BucketPolicy')
      .map(([, p]) => p.Properties)
      .filter((p) => p.Bucket.Ref === 'ArtifactBucket');
    // Assess
    expect(policy).toEqual([
      {
        Bucket: { Ref: 'ArtifactBucket' },
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: expect.any(String),
              Effect: 'Allow',
              Principal: {
                AWS: [
                  { 'Fn::Sub': `arn:\${AWS::Partition}:iam::111111111111:root` },
                  { 'Fn::Sub': `arn:\${AWS::Partition}:iam::222222222222:root` },
                ],
              },
              Action: 's3:GetObject',
              Resource: { 'Fn::Sub': `\${ArtifactBucket.Arn}/*/defect-detector/*/compiled/*` },
            },
            {
              Sid: 'ComponentArtifactsBucketLocation',
              Effect: 'Allow',
              Principal: {
                AWS: [
                  { 'Fn::Sub': `arn:\${AWS::Partition}:iam::111111111111:root` },
                  { 'Fn::Sub': `arn:\${AWS::Partition}:iam::222222222222:root` },
                ],
              },
              Action: 's3:GetBucketLocation',
              Resource: { 'Fn::GetAtt': ['ArtifactBucket', 'Arn'] },
            },
          ],
        },
      },
    ]);
  });

  it('grants no own-account IoT job or thing group rights when every target is in another account', () => {
    // Act
    const iot = ['DeployToTwin', 'StartWave', 'RollBackFleet', 'RollBackRejected'].flatMap((fn) =>
      statementsOf(fn).filter((s) => [s.Action].flat().some((a) => a.startsWith('iot:'))),
    );
    // Assess
    expect(iot).toEqual([]);
  });

  it('lets SageMaker Neo read the configured model bucket', () => {
    // Act
    const neo = resources.NeoRole!.Properties.Policies[0].PolicyDocument.Statement as Statement[];
    const reads = granting(neo, 's3:GetObject').flatMap((s) => [s.Resource].flat());
    // Assess
    expect(reads).toContainEqual({ 'Fn::Sub': `arn:\${AWS::Partition}:s3:::my-model-bucket/*` });
  });

  it('lets the twin account’s smoke-response rule, and only it, invoke recordSmokeResponse', () => {
    // Act
    const invokers = ofType('AWS::Lambda::Permission')
      .map(([, p]) => p.Properties)
      .filter((p) => JSON.stringify(p.FunctionName).includes('RecordSmokeResponse'));
    // Assess: config/example.yml's twin is in 111111111111, eu-west-1
    expect(invokers).toEqual([
      expect.objectContaining({
        Principal: 'iot.amazonaws.com',
        SourceAccount: '111111111111',
        SourceArn: {
          'Fn::Sub': `arn:\${AWS::Partition}:iot:eu-west-1:111111111111:rule/edge_mlops_example_smoke_responses`,
        },
      }),
    ]);
    expect(packaged.template!.Outputs.SmokeResponsesFunctionArn).toBeDefined();
  });
});
