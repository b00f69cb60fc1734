import { join } from 'node:path';
import { loadStageConfig } from '../../../functions/shared/stage-config/load';
import type { StageConfig } from '../../../functions/shared/stage-config/schema';

const { derive } = require('../../../scripts/serverless/stage-config.cjs') as {
  derive: (c: StageConfig) => Record<string, any>;
};

const local = () => loadStageConfig(join(__dirname, '../../../config/local.yml'));
const withProfile = (change: (p: StageConfig['modelGroups'][string]) => void): StageConfig => {
  const config = structuredClone(local());
  change(config.modelGroups['defect-detector']!);
  return config;
};

describe('what serverless.yml derives from the stage config', () => {
  it('scopes a thing twin to that thing: DescribeThing, shadows and its core device', () => {
    // Prepare
    const config = withProfile((p) => {
      p.twin.targetArn = 'arn:aws:iot:us-east-1:000000000000:thing/twin-1';
    });
    // Act
    const d = derive(config);
    // Assess
    expect(d.twinThingArns).toEqual(['arn:aws:iot:us-east-1:000000000000:thing/twin-1']);
    expect(d.twinGroupArns).toEqual([]);
    expect(d.twinCoreDeviceArns).toEqual([
      'arn:aws:greengrass:us-east-1:000000000000:coreDevices:twin-1',
    ]);
    expect(d.twinCreateJobArns).toEqual([
      'arn:aws:iot:us-east-1:000000000000:job/*',
      'arn:aws:iot:us-east-1:000000000000:thing/twin-1',
    ]);
  });

  it("lets deployments to a thing group read any thing of the group's account (its members are not known in advance)", () => {
    // Act
    const d = derive(local());
    // Assess
    expect(d.twinThingArns).toEqual(['arn:aws:iot:us-east-1:000000000000:thing/*']);
    expect(d.waveThingArns).toEqual(['arn:aws:iot:us-east-1:000000000000:thing/*']);
  });

  it('gives a fleet reached through a role nothing in the own account but that role', () => {
    // Prepare
    const role = 'arn:aws:iam::222222222222:role/edge-mlops-prod-deployer';
    const config = withProfile((p) => {
      for (const f of p.fleets) f.roleArn = role;
    });
    // Act
    const d = derive(config);
    // Assess
    expect(d.waveGroupArns).toEqual([]);
    expect(d.waveJobArns).toEqual([]);
    expect(d.fleetRoleArns).toEqual([role]);
    expect(d.twinRoleArns).toEqual([]);
  });

  it('adds no artifact bucket policy while every target is in the own account', () => {
    // Act
    const d = derive(local());
    // Assess
    expect(d.artifactReaderResources).toEqual({});
  });

  it("grants each deploying account once, on its group's compiled models", () => {
    // Prepare: twin and two fleets, two of them in the same production account.
    const config = withProfile((p) => {
      p.twin.roleArn = 'arn:aws:iam::111111111111:role/edge-mlops-local-deployer';
      for (const f of p.fleets)
        f.roleArn = 'arn:aws:iam::222222222222:role/edge-mlops-local-deployer';
    });
    // Act
    const { Resources } = derive(config).artifactReaderResources;
    // Assess
    const [statement] = Resources.ArtifactBucketPolicy.Properties.PolicyDocument.Statement;
    expect(statement.Principal.AWS.map((p: { 'Fn::Sub': string }) => p['Fn::Sub'])).toEqual([
      `arn:\${AWS::Partition}:iam::111111111111:root`,
      `arn:\${AWS::Partition}:iam::222222222222:root`,
    ]);
    expect(statement.Resource).toEqual({
      'Fn::Sub': `\${ArtifactBucket.Arn}/*/defect-detector/*/compiled/*`,
    });
  });

  it('lets register-inference-component and the deploying accounts read the archives built from components.inference.source', () => {
    // Prepare: the inference code built from a folder, twin and fleets in other accounts.
    const config = withProfile((p) => {
      const { artifactUri: _given, ...inference } = p.components.inference;
      p.components.inference = { ...inference, source: 'components/inference' };
      p.twin.roleArn = 'arn:aws:iam::111111111111:role/edge-mlops-local-deployer';
      for (const f of p.fleets)
        f.roleArn = 'arn:aws:iam::222222222222:role/edge-mlops-local-deployer';
    });
    // Act
    const d = derive(config);
    // Assess: the function reads (Greengrass reads with its rights) the group's archives only…
    expect(d.codeArtifactArns).toEqual([
      { 'Fn::Sub': `\${ArtifactBucket.Arn}/local/defect-detector/inference/*` },
    ]);
    // …and the devices' accounts may read them as they read the compiled models.
    const [statement] =
      d.artifactReaderResources.Resources.ArtifactBucketPolicy.Properties.PolicyDocument.Statement;
    expect(statement.Action).toBe('s3:GetObject');
    expect(statement.Resource).toEqual([
      { 'Fn::Sub': `\${ArtifactBucket.Arn}/*/defect-detector/*/compiled/*` },
      { 'Fn::Sub': `\${ArtifactBucket.Arn}/local/defect-detector/inference/*` },
    ]);
  });

  it('lets the deploying accounts locate the artifact bucket, as core devices do before downloading', () => {
    // Prepare
    const config = withProfile((p) => {
      p.twin.roleArn = 'arn:aws:iam::111111111111:role/edge-mlops-local-deployer';
      for (const f of p.fleets)
        f.roleArn = 'arn:aws:iam::222222222222:role/edge-mlops-local-deployer';
    });
    // Act
    const { Resources } = derive(config).artifactReaderResources;
    // Assess
    const location = Resources.ArtifactBucketPolicy.Properties.PolicyDocument.Statement.find(
      (s: { Action: string }) => s.Action === 's3:GetBucketLocation',
    );
    expect(location.Resource).toEqual({ 'Fn::GetAtt': ['ArtifactBucket', 'Arn'] });
    expect(location.Principal.AWS.map((p: { 'Fn::Sub': string }) => p['Fn::Sub'])).toEqual([
      `arn:\${AWS::Partition}:iam::111111111111:root`,
      `arn:\${AWS::Partition}:iam::222222222222:root`,
    ]);
  });

  it('subscribes an approver of two model groups once', () => {
    // Prepare
    const config = local();
    config.modelGroups['other-model'] = structuredClone(config.modelGroups['defect-detector']!);
    // Act
    const { Resources } = derive(config).notificationResources;
    // Assess
    const endpoints = Object.values(Resources as Record<string, any>)
      .filter((r) => r.Properties.TopicArn.Ref === 'ApprovalTopic')
      .map((r) => r.Properties.Endpoint);
    expect(endpoints.sort()).toEqual(['alice@example.com', 'bob@example.com']);
  });

  it('refuses an approver that is not an e-mail address, naming the field', () => {
    // Prepare
    const config = withProfile((p) => {
      p.approval.approvers = ['alice@example.com', 'bob'];
    });
    // Act
    const run = () => derive(config);
    // Assess
    expect(run).toThrow(
      'modelGroups.defect-detector.approval.approvers.1: "bob" is not an e-mail address; approvers receive their signed links by e-mail',
    );
  });

  it('rotates the signing key no sooner than the longest approval timeout', () => {
    // Prepare
    const config = withProfile((p) => {
      p.approval.timeoutHours = 24 * 90 + 1;
    });
    // Act
    const { signingKeyRotationDays } = derive(config);
    // Assess
    expect(signingKeyRotationDays).toBe(91);
    expect(derive(local()).signingKeyRotationDays).toBe(30);
  });

  it('refuses a notification recipient that is neither an e-mail address nor https', () => {
    // Prepare
    const { StageConfigSchema } = require('../../../functions/shared/stage-config/schema');
    // Act
    const result = StageConfigSchema.safeParse({
      ...local(),
      notifications: { ops: ['http://pager.example.com/hook'] },
    });
    // Assess
    expect(result.success).toBe(false);
    expect(result.error.issues[0]).toMatchObject({
      path: ['notifications', 'ops', 0],
      message: 'must be an e-mail address or an https:// URL',
    });
  });

  it('lets only the smoke-response rule of each twin in another account invoke recordSmokeResponse', () => {
    // Prepare: a twin in account 111111111111 (it has a deployer role there)
    const config = withProfile((p) => {
      p.twin.targetArn = 'arn:aws:iot:us-east-1:111111111111:thinggroup/twin';
      p.twin.roleArn = 'arn:aws:iam::111111111111:role/edge-mlops-local-deployer';
    });
    // Act
    const foreign = derive(config).smokeResponseResources;
    const own = derive(local()).smokeResponseResources;
    // Assess
    expect(Object.values(foreign.Resources)).toEqual([
      {
        Type: 'AWS::Lambda::Permission',
        Properties: {
          FunctionName: { 'Fn::GetAtt': ['RecordSmokeResponseLambdaFunction', 'Arn'] },
          Action: 'lambda:InvokeFunction',
          Principal: 'iot.amazonaws.com',
          SourceAccount: '111111111111',
          SourceArn: {
            'Fn::Sub': `arn:\${AWS::Partition}:iot:us-east-1:111111111111:rule/edge_mlops_local_smoke_responses`,
          },
        },
      },
    ]);
    expect(foreign.Outputs.SmokeResponsesFunctionArn).toBeDefined();
    expect(own).toEqual({});
  });
  it('lets only the job-event rule of each fleet account invoke recordJobEvent', () => {
    // Prepare: the first fleet in account 222222222222 (it has a deployer role there)
    const config = withProfile((p) => {
      const fleet = p.fleets[0]!;
      fleet.roleArn = 'arn:aws:iam::222222222222:role/edge-mlops-local-deployer';
      for (const wave of fleet.waves)
        wave.targetArn = wave.targetArn.replace(':000000000000:', ':222222222222:');
    });
    // Act
    const foreign = derive(config).jobEventResources;
    const own = derive(local()).jobEventResources;
    // Assess: one permission per fleet account and Region, naming that account's rule.
    expect(Object.values(foreign.Resources)).toEqual([
      {
        Type: 'AWS::Lambda::Permission',
        Properties: {
          FunctionName: { 'Fn::GetAtt': ['RecordJobEventLambdaFunction', 'Arn'] },
          Action: 'lambda:InvokeFunction',
          Principal: 'iot.amazonaws.com',
          SourceAccount: '222222222222',
          SourceArn: {
            'Fn::Sub': `arn:\${AWS::Partition}:iot:us-east-1:222222222222:rule/edge_mlops_local_job_events`,
          },
        },
      },
    ]);
    expect(foreign.Outputs.JobEventsFunctionArn).toBeDefined();
    expect(own).toEqual({});
  });
});
