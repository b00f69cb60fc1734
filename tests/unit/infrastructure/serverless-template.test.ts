import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ERROR_TAXONOMY } from '../../../functions/shared/error-taxonomy';
import { loadStageConfig } from '../../../functions/shared/stage-config/load';
import { readResolvedStageConfig } from '../../../functions/shared/stage-config/resolved';
import { alarmDescriptions } from '../../../scripts/serverless/alarm-descriptions';
import {
  type PackageResult,
  packageService,
  serviceWithConfig,
} from '../../helpers/package-service';

type Resource = { Type: string; Properties: Record<string, any> };
type Statement = {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
};

let packaged: PackageResult;
let resources: Record<string, Resource>;
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
/** Each function's role with the statements of all its inline policies. */
const rolesOfFunctions = () =>
  ofType('AWS::Lambda::Function').map(([, f]) => {
    const role = f.Properties.Role['Fn::GetAtt'][0] as string;
    const policies = resources[role]!.Properties.Policies as {
      PolicyDocument: { Statement: Statement[] };
    }[];
    return { role, statements: policies.flatMap((p) => p.PolicyDocument.Statement) };
  });

beforeAll(() => {
  packaged = packageService('local');
  if (packaged.status !== 0) throw new Error(`serverless package failed:\n${packaged.output}`);
  resources = packaged.template!.Resources;
}, 320_000);

describe('serverless package (offline, no AWS credentials)', () => {
  it('leaves nothing in the temp directory (serverless-esbuild stages every zip there)', () => {
    // Only tsx's compile cache of the configuration resolvers (tsx-<uid>, a few KB shared by
    // every tsx run, not one per packaging): no zip staging directory of any function.
    expect(readdirSync(packaged.tmp).filter((f) => !/^tsx-\d+$/.test(f))).toEqual([]);
  });

  it('runs every function on nodejs24.x', () => {
    // Act
    const runtimes = ofType('AWS::Lambda::Function').map(([, f]) => f.Properties.Runtime);
    // Assess
    expect(runtimes.length).toBeGreaterThan(5);
    expect(new Set(runtimes)).toEqual(new Set(['nodejs24.x']));
  });

  it('gives each function a role of its own', () => {
    // Act
    const roles = ofType('AWS::Lambda::Function').map(
      ([, f]) => f.Properties.Role['Fn::GetAtt'][0],
    );
    // Assess
    expect(new Set(roles).size).toBe(roles.length);
    for (const role of roles) expect(resources[role]?.Type).toBe('AWS::IAM::Role');
  });

  it('grants no wildcard action to any function role', () => {
    // Prepare
    const roleNames = ofType('AWS::Lambda::Function').map(
      ([, f]) => f.Properties.Role['Fn::GetAtt'][0],
    );
    // Act
    const actions = roleNames.flatMap((name) =>
      (
        resources[name]!.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[]
      ).flatMap((p) => p.PolicyDocument.Statement.flatMap((s) => [s.Action].flat())),
    );
    // Assess
    expect(actions.length).toBeGreaterThan(0);
    expect(actions.filter((a) => a === '*' || a.endsWith(':*'))).toEqual([]);
  });

  it("lets runTwinTests read the twin deployment's job executions (its device set), not ListCoreDevices", () => {
    // Prepare
    const role = resources.RunTwinTestsLambdaFunction!.Properties.Role['Fn::GetAtt'][0];
    // Act
    const actions = (
      resources[role]!.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[]
    ).flatMap((p) => p.PolicyDocument.Statement.flatMap((s) => [s.Action].flat()));
    // Assess
    expect(actions).toEqual(
      expect.arrayContaining([
        'greengrass:GetDeployment',
        'iot:ListJobExecutionsForJob',
        'greengrass:ListInstalledComponents',
      ]),
    );
    expect(actions).not.toContain('greengrass:ListCoreDevices');
  });

  it('lets every function with active tracing write to X-Ray (Lambda refuses to create it otherwise)', () => {
    // Prepare
    const traced = ofType('AWS::Lambda::Function').filter(
      ([, f]) => f.Properties.TracingConfig?.Mode === 'Active',
    );
    const grants = (roleName: string, action: string) =>
      (
        resources[roleName]!.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[]
      ).some((p) =>
        p.PolicyDocument.Statement.some(
          (s) =>
            s.Effect === 'Allow' &&
            [s.Action].flat().some((a) => a === action || a === 'xray:*') &&
            [s.Resource].flat().includes('*'),
        ),
      );
    // Act
    const missing = traced.flatMap(([id, f]) =>
      ['xray:PutTraceSegments', 'xray:PutTelemetryRecords']
        .filter((action) => !grants(f.Properties.Role['Fn::GetAtt'][0], action))
        .map((action) => `${id}: ${action}`),
    );
    // Assess
    expect(traced.length).toBe(ofType('AWS::Lambda::Function').length);
    expect(missing).toEqual([]);
  });

  it('has no role that nothing assumes: every function has its own, the default one is dropped', () => {
    // Act
    const roles = ofType('AWS::IAM::Role').map(([id]) => id);
    const text = JSON.stringify(packaged.template);
    const unused = roles.filter(
      (id) => !text.includes(`"Ref":"${id}"`) && !text.includes(`["${id}"`),
    );
    // Assess
    expect(resources.IamRoleLambdaExecution).toBeUndefined();
    expect(unused).toEqual([]);
  });

  /** A state machine's definition (its placeholders made plain) and the functions it invokes. */
  const machineOf = (logicalId: string) => {
    const [text, substitutions] = resources[logicalId]!.Properties.DefinitionString['Fn::Sub'] as [
      string,
      Record<string, any>,
    ];
    return {
      definition: JSON.parse(text.replace(/\$\{[^}]+\}/g, 'x')),
      functions: Object.values(substitutions).map((v) => v['Fn::GetAtt'][0] as string),
    };
  };

  it('declares the state machines with every task wired to a packaged function', () => {
    // Act
    const deployment = machineOf('EdgeDeploymentStateMachine');
    const rollback = machineOf('RollBackRejectedStateMachine');
    // Assess
    expect(
      ofType('AWS::StepFunctions::StateMachine')
        .map(([id]) => id)
        .sort(),
    ).toEqual(['EdgeDeploymentStateMachine', 'RollBackRejectedStateMachine']);
    expect(deployment.definition.StartAt).toBe('Resolve Model');
    expect(deployment.functions).toContain('ResolveModelLambdaFunction');
    expect(rollback.definition.StartAt).toBe('Roll Back Rejected Release');
    for (const logicalId of [...deployment.functions, ...rollback.functions])
      expect(resources[logicalId]?.Type).toBe('AWS::Lambda::Function');
  });

  it('deploys the generated definitions: Retry and Catch from the error taxonomy, no template annotations', () => {
    // Act
    const text = JSON.stringify(machineOf('EdgeDeploymentStateMachine').definition);
    // Assess
    expect(text).not.toContain('"Errors"');
    expect(text).toContain('"Retry"');
    expect(text).toContain('"ComponentRegistrationFailed"');
  });

  it('lets the rollback machine invoke its own two functions only, and start-pipeline start it', () => {
    // Prepare
    const role = resources.RollBackRejectedStateMachine!.Properties.RoleArn['Fn::GetAtt'][0];
    const statements = (
      resources[role]!.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[]
    ).flatMap((p) => p.PolicyDocument.Statement);
    const start = rolesOfFunctions()
      .find(
        ({ role: r }) =>
          r === resources.StartPipelineLambdaFunction!.Properties.Role['Fn::GetAtt'][0],
      )!
      .statements.find((st) => [st.Action].flat().includes('states:StartExecution'))!;
    // Act
    const invoked = JSON.stringify(
      statements.filter((st) => [st.Action].flat().includes('lambda:InvokeFunction')),
    );
    // Assess
    expect(role).not.toBe(
      resources.EdgeDeploymentStateMachine!.Properties.RoleArn['Fn::GetAtt'][0],
    );
    expect(invoked).toContain('RollBackRejectedLambdaFunction');
    expect(invoked).toContain('RecordFailureLambdaFunction');
    expect(invoked).not.toContain('ResolveModelLambdaFunction');
    expect(invoked).not.toContain('RollBackFleetLambdaFunction');
    expect([start.Resource].flat()).toEqual([
      { Ref: 'EdgeDeploymentStateMachine' },
      { Ref: 'RollBackRejectedStateMachine' },
    ]);
  });

  it('routes SageMaker model package approvals and rejections to start-pipeline, with a DLQ', () => {
    // Prepare
    const [, rule] = ofType('AWS::Events::Rule').find(([, r]) => r.Properties.EventPattern)!;
    // Act
    const {
      EventPattern: pattern,
      Targets: [target],
    } = rule.Properties;
    // Assess
    expect(pattern.source).toEqual(['aws.sagemaker']);
    expect(pattern['detail-type']).toEqual(['SageMaker Model Package State Change']);
    expect(pattern.detail.ModelApprovalStatus.sort()).toEqual(['Approved', 'Rejected']);
    expect(pattern.detail.ModelPackageGroupName).toEqual(['defect-detector']);
    expect(target.Arn['Fn::GetAtt'][0]).toBe('StartPipelineLambdaFunction');
    expect(resources[target.DeadLetterConfig.Arn['Fn::GetAtt'][0]]?.Type).toBe('AWS::SQS::Queue');
    expect(target.RetryPolicy.MaximumRetryAttempts).toBeGreaterThan(0);
  });

  it('sends events start-pipeline failed to process to the same DLQ', () => {
    // Act
    const [, config] = ofType('AWS::Lambda::EventInvokeConfig')[0]!;
    // Assess
    expect(config.Properties.DestinationConfig.OnFailure.Destination['Fn::GetAtt'][0]).toBe(
      'IngestDeadLetterQueue',
    );
  });

  it('alarms the operations topic on failed and timed-out executions (rollbacks of rejected releases included), dead letters, overdue approvals, aborted rollouts and incomplete rollbacks', () => {
    // Act
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
    // Assess
    expect(alarms.map((a) => a.MetricName).sort()).toEqual([
      'ApproximateNumberOfMessagesVisible',
      'DecidedApprovalsNotResumed',
      'ExecutionsFailed',
      'ExecutionsFailed',
      'ExecutionsTimedOut',
      'PendingApprovalsOverdue',
      'RollbacksIncomplete',
      'RolloutsAborted',
    ]);
    for (const a of alarms) {
      expect(a.AlarmActions).toEqual([{ Ref: 'OpsTopic' }]);
      expect(String(a.AlarmDescription)).toMatch(/Run: edge-mlops (executions|dlq|approvals) /);
    }
  });

  it('describes the error alarms in the words of the error taxonomy', () => {
    // Prepare
    const described = (id: string) => String(resources[id]!.Properties.AlarmDescription);
    // Assess
    expect(described('RolloutAbortedAlarm')).toContain(ERROR_TAXONOMY.RolloutAborted.meaning);
    expect(described('DeadLettersAlarm')).toContain('InvalidEvent: ');
    expect(described('DeadLettersAlarm')).toContain('UnlistedRegistry: ');
    expect(described('ExecutionsFailedAlarm')).toContain('CompilationFailed');
    expect(described('RollbackExecutionsFailedAlarm')).toContain('rollback of a rejected release');
    expect(Object.values(alarmDescriptions('local'))).toEqual(
      expect.arrayContaining(
        ['ExecutionsFailedAlarm', 'RolloutAbortedAlarm', 'DeadLettersAlarm'].map(described),
      ),
    );
  });

  it('encrypts every alarm topic with a rotated customer managed key CloudWatch may use', () => {
    // Prepare
    const topicIds = new Set(
      ofType('AWS::CloudWatch::Alarm').flatMap(([, a]) =>
        (a.Properties.AlarmActions as { Ref: string }[]).map((t) => t.Ref),
      ),
    );
    // Act
    const keys = [...topicIds].map((id) => resources[id]!.Properties.KmsMasterKeyId);
    // Assess
    expect(topicIds.size).toBeGreaterThan(0);
    for (const keyRef of keys) {
      expect(String(keyRef)).not.toMatch(/^alias\/aws\//);
      const key = resources[keyRef['Fn::GetAtt'][0]]!;
      expect(key.Type).toBe('AWS::KMS::Key');
      expect(key.Properties.EnableKeyRotation).toBe(true);
      const cloudwatch = (
        key.Properties.KeyPolicy.Statement as (Statement & { Principal?: any })[]
      ).find((s) => s.Principal?.Service === 'cloudwatch.amazonaws.com');
      expect([cloudwatch?.Action].flat().sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey*']);
    }
  });

  it('lets every function that publishes to an encrypted topic use its key', () => {
    // Act
    const publishers = rolesOfFunctions().flatMap(({ statements }) => {
      const topics = statements
        .filter((s) => [s.Action].flat().includes('sns:Publish'))
        .map((s) => (s.Resource as { Ref: string }).Ref);
      const keyGrants = statements
        .filter((s) =>
          ['kms:GenerateDataKey', 'kms:Decrypt'].every((a) => [s.Action].flat().includes(a)),
        )
        .map((s) => JSON.stringify(s.Resource));
      return topics.map((topic) => ({ topic, keyGrants }));
    });
    // Assess
    expect(publishers.length).toBeGreaterThanOrEqual(3);
    for (const { topic, keyGrants } of publishers) {
      const key = resources[topic]!.Properties.KmsMasterKeyId;
      expect(keyGrants).toContain(JSON.stringify(key));
    }
  });

  it('names no Resource "*" for an action that supports a narrower resource type', () => {
    // Prepare: actions whose Service Authorization Reference entry lists a resource type
    const scoped = new Set([
      'greengrass:GetDeployment',
      'greengrass:CancelDeployment',
      'greengrass:TagResource',
      'greengrass:ListInstalledComponents',
      'greengrass:CreateComponentVersion',
      'greengrass:DescribeComponent',
      'greengrass:GetComponent',
      'iot:CreateJob',
      'iot:DescribeJob',
      'iot:CancelJob',
      'iot:UpdateJob',
      'iot:DescribeThingGroup',
      'iot:DescribeThing',
      'iot:GetThingShadow',
      'iot:UpdateThingShadow',
      'iot:ListJobExecutionsForJob',
      'sagemaker:DescribeModelPackage',
      'sagemaker:UpdateModelPackage',
      'sagemaker:StartPipelineExecution',
      'iot:ListThingsInThingGroup',
      'events:PutEvents',
      'sts:AssumeRole',
    ]);
    // Act
    const wide = rolesOfFunctions().flatMap(({ role, statements }) =>
      statements
        // "*", or an ARN whose account is a wildcard (arn:aws:iam::*:role/…)
        .filter((s) => [s.Resource].flat().some((r) => r === '*' || /::\*:/.test(String(r))))
        .flatMap((s) =>
          [s.Action]
            .flat()
            .filter((a) => scoped.has(a))
            .map((a) => `${role}: ${a}`),
        ),
    );
    const sagemaker = rolesOfFunctions().flatMap(({ statements }) =>
      statements.filter((s) =>
        [s.Action].flat().some((a) => a.startsWith('sagemaker:') && a.includes('ModelPackage')),
      ),
    );
    // Assess
    expect(wide).toEqual([]);
    for (const s of sagemaker)
      expect(JSON.stringify(s.Resource)).toContain('model-package/defect-detector/*');
  });

  it('grants sts:AssumeRole on no role at all when the stage names none', () => {
    // Act
    const assume = rolesOfFunctions().flatMap(({ statements }) =>
      statements.filter((s) => [s.Action].flat().includes('sts:AssumeRole')),
    );
    // Assess
    expect(assume).toEqual([]);
  });

  it('narrows deployments to the configured thing groups and their IoT jobs', () => {
    // Prepare
    const deployer = rolesOfFunctions().find(({ role }) => role.startsWith('StartWave'))!;
    // Act
    const createJob = deployer.statements.find((s) => [s.Action].flat().includes('iot:CreateJob'));
    // Assess
    expect([createJob?.Resource].flat().sort()).toEqual([
      'arn:aws:iot:us-east-1:000000000000:job/*',
      'arn:aws:iot:us-east-1:000000000000:thinggroup/factory-jetson-canary',
      'arn:aws:iot:us-east-1:000000000000:thinggroup/factory-jetson-main',
      'arn:aws:iot:us-east-1:000000000000:thinggroup/field-rpi',
    ]);
  });

  it('lets the approval functions read only the evaluation reports and the twin reports', () => {
    // Act
    const reads = (prefix: string) =>
      rolesOfFunctions()
        .find(({ role }) => role.startsWith(prefix))!
        .statements.filter((s) => [s.Action].flat().includes('s3:GetObject'))
        .flatMap((s) => [s.Resource].flat().map((r) => JSON.stringify(r)));
    // Assess: the configured model bucket (config/local.yml modelBuckets), the twin reports
    expect(reads('RequestApproval')).toEqual([
      `{"Fn::Sub":"arn:\${AWS::Partition}:s3:::edge-mlops-local-models/*"}`,
    ]);
    expect(reads('ApprovalApi')).toEqual([
      `{"Fn::Sub":"\${ArtifactBucket.Arn}/local/*/twin-tests/*"}`,
    ]);
  });

  it('lets SageMaker Neo read only the model bucket and the artifact bucket', () => {
    // Prepare
    const [, neo] = Object.entries(resources).find(([id]) => id === 'NeoRole')!;
    // Act
    const reads = (neo.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[])
      .flatMap((p) => p.PolicyDocument.Statement)
      .filter((s) => [s.Action].flat().includes('s3:GetObject'))
      .flatMap((s) => [s.Resource].flat().map((r) => JSON.stringify(r)));
    // Assess
    expect(reads.sort()).toEqual(
      [
        '{"Fn::GetAtt":["ArtifactBucket","Arn"]}',
        `{"Fn::Sub":"\${ArtifactBucket.Arn}/*"}`,
        // config/local.yml's modelBuckets
        `{"Fn::Sub":"arn:\${AWS::Partition}:s3:::edge-mlops-local-models/*"}`,
      ].sort(),
    );
  });

  it('lets only the registry rule dead-letter into the DLQ', () => {
    // Prepare
    const [, rule] = ofType('AWS::Events::Rule').find(([, r]) => r.Properties.EventPattern)!;
    const [, policy] = ofType('AWS::SQS::QueuePolicy')[0]!;
    // Act
    const [statement] = policy.Properties.PolicyDocument.Statement;
    const sourceArn = statement.Condition.ArnEquals['aws:SourceArn']['Fn::Sub'];
    // Assess
    expect(sourceArn).toBe(
      `arn:\${AWS::Partition}:events:\${AWS::Region}:\${AWS::AccountId}:rule/${rule.Properties.Name}`,
    );
  });

  it('retains the state table and the artifact bucket when the stack is deleted or replaced', () => {
    // Act
    const kept = ['StateTable', 'ArtifactBucket'].map((id) => {
      const r = resources[id] as Resource & {
        DeletionPolicy?: string;
        UpdateReplacePolicy?: string;
      };
      return [r.DeletionPolicy, r.UpdateReplacePolicy];
    });
    // Assess
    expect(kept).toEqual([
      ['Retain', 'Retain'],
      ['Retain', 'Retain'],
    ]);
  });

  it('throttles the approval API stage and reserves concurrency for its function', () => {
    // Prepare
    const [, stage] = ofType('AWS::ApiGatewayV2::Stage')[0]!;
    // Act
    const { ThrottlingRateLimit, ThrottlingBurstLimit } = stage.Properties.DefaultRouteSettings;
    const reserved = resources.ApprovalApiLambdaFunction!.Properties.ReservedConcurrentExecutions;
    // Assess
    expect(ThrottlingRateLimit).toBeGreaterThan(0);
    expect(ThrottlingBurstLimit).toBeGreaterThanOrEqual(ThrottlingRateLimit);
    expect(reserved).toBeGreaterThan(0);
  });

  it('subscribes each approver with a filter on their own address, and the ops and release contacts', () => {
    // Act
    const subscriptions = ofType('AWS::SNS::Subscription')
      .map(([, s]) => s.Properties)
      .filter((s) => s.Protocol !== 'lambda');
    const on = (topic: string) =>
      subscriptions.filter((s) => s.TopicArn.Ref === topic).map((s) => s.Endpoint);
    // Assess
    expect(on('ApprovalTopic').sort()).toEqual(['alice@example.com', 'bob@example.com']);
    for (const s of subscriptions.filter((x) => x.TopicArn.Ref === 'ApprovalTopic'))
      expect(s.FilterPolicy).toEqual({ approver: [s.Endpoint] });
    expect(on('OpsTopic')).toEqual(['sre@example.com']);
    expect(on('NotificationsTopic')).toEqual(['ml-team@example.com']);
    expect(packaged.template!.Outputs.ApproverSubscriptions.Value).toBe(
      'alice@example.com, bob@example.com',
    );
  });

  it('receives, through its own filtered subscription, every message a function publishes', () => {
    // Prepare: the topics functions publish to (their roles' sns:Publish).
    const published = new Set<string>();
    for (const [, role] of ofType('AWS::IAM::Role'))
      for (const policy of role.Properties.Policies ?? [])
        for (const st of policy.PolicyDocument.Statement)
          if ([st.Action].flat().includes('sns:Publish'))
            for (const r of [st.Resource].flat()) if (r?.Ref) published.add(r.Ref);
    // Act
    const receipts = ofType('AWS::SNS::Subscription')
      .map(([, s]) => s.Properties)
      .filter((s) => s.Protocol === 'lambda');
    // Assess
    expect(published.size).toBeGreaterThan(0);
    expect(receipts.map((s) => s.TopicArn.Ref).sort()).toEqual([...published].sort());
    for (const s of receipts) {
      expect(s.Endpoint).toEqual({
        'Fn::GetAtt': ['RecordNotificationReceiptLambdaFunction', 'Arn'],
      });
      expect(s.FilterPolicy).toEqual({ notificationKey: [{ exists: true }] });
    }
  });

  it('rotates the approval signing key no more often than the longest approval lasts', () => {
    // Prepare
    const [, schedule] = ofType('AWS::SecretsManager::RotationSchedule')[0]!;
    const [, permission] = ofType('AWS::Lambda::Permission').find(
      ([, p]) => p.Properties.Principal === 'secretsmanager.amazonaws.com',
    )!;
    // Act
    const { SecretId, RotationLambdaARN, RotationRules } = schedule.Properties;
    // Assess: config/local.yml waits 72 h for approvals
    expect(SecretId).toEqual({ Ref: 'ApprovalSigningSecret' });
    expect(RotationRules.AutomaticallyAfterDays).toBeGreaterThanOrEqual(3);
    expect(resources[RotationLambdaARN['Fn::GetAtt'][0]]?.Type).toBe('AWS::Lambda::Function');
    expect(permission.Properties.SourceArn).toEqual({ Ref: 'ApprovalSigningSecret' });
  });

  it('ships the stage configuration inside each function package', () => {
    // Act
    const listing = execFileSync('unzip', ['-l', join(packaged.dir, 'resolveModel.zip')], {
      encoding: 'utf8',
    });
    // Assess
    expect(listing).toContain('config/local.yml');
    expect(listing).toContain('config/resolved/local.json');
    expect(listing).toContain('functions/resolve-model/handler.js.map');
  });

  it('ships the stage configuration resolved from the YAML it ships with', () => {
    // Prepare
    const unzipped = mkdtempSync(join(tmpdir(), 'edge-mlops-unzipped-'));
    execFileSync('unzip', ['-q', join(packaged.dir, 'startPipeline.zip'), '-d', unzipped]);
    // Act
    const config = readResolvedStageConfig(join(unzipped, 'config/local.yml'));
    // Assess: what the Lambda reads is what validation made of config/local.yml
    expect(config).toEqual(loadStageConfig('config/local.yml'));
  });

  it('stops packaging with a one-line error naming the bad field of config/<stage>.yml', () => {
    // Prepare
    const good = readFileSync('config/local.yml', 'utf8');
    const dir = serviceWithConfig({
      'broken.yml': good.replace('stage: local', 'stage: broken').replace('quorum: 1', 'quorum: 0'),
    });
    // Act
    const result = packageService('broken', dir);
    // Assess
    expect(result.status).not.toBe(0);
    expect(result.output).toMatch(
      /config\/broken\.yml:\d+: modelGroups\.defect-detector\.approval\.quorum: Too small: expected number to be >=1/,
    );
  }, 180_000);
  it('schedules detectDrift per monitored model group and narrows its role to the capture, its pipeline and its namespace', () => {
    // Prepare
    const fn = Object.keys(resources).find((id) => id === 'DetectDriftLambdaFunction');
    const rules = ofType('AWS::Events::Rule').filter(([id]) => id.startsWith('DetectDrift'));
    const permissions = ofType('AWS::Lambda::Permission').filter(([id]) =>
      id.startsWith('DetectDriftSchedule'),
    );
    const role = rolesOfFunctions().find((r) => r.role === 'DetectDriftIamRoleLambdaExecution')!;
    const grants = (action: string) =>
      role.statements.filter((s) => [s.Action].flat().includes(action));
    // Assess
    expect(fn).toBeDefined();
    expect(rules.map(([, r]) => r.Properties.ScheduleExpression)).toEqual(['rate(1 hour)']);
    expect(rules[0]![1].Properties.Targets[0].InputTransformer).toEqual({
      InputPathsMap: { time: '$.time' },
      InputTemplate: '{"modelGroup": "defect-detector", "time": <time>}',
    });
    expect(permissions.map(([, p]) => p.Properties)).toEqual([
      expect.objectContaining({
        Principal: 'events.amazonaws.com',
        SourceArn: { 'Fn::GetAtt': [rules[0]![0], 'Arn'] },
      }),
    ]);
    expect(grants('s3:ListBucket').map((s) => JSON.stringify(s.Resource))).toEqual([
      expect.stringMatching(/^\[\{"Fn::Sub":"arn:[^"]*:s3:::edge-mlops-local-capture"\}\]$/),
    ]);
    expect(grants('s3:ListBucket')[0]!.Condition).toEqual({
      StringLike: { 's3:prefix': ['capture/defect-detector/*'] },
    });
    expect(JSON.stringify(grants('s3:GetObject').map((s) => s.Resource))).toContain(
      'edge-mlops-local-capture/capture/defect-detector/*',
    );
    expect(JSON.stringify(grants('sagemaker:StartPipelineExecution')[0]!.Resource)).toContain(
      ':pipeline/defect-detector-retrain',
    );
    expect(grants('cloudwatch:PutMetricData')).toEqual([
      expect.objectContaining({
        Resource: '*',
        Condition: { StringEquals: { 'cloudwatch:namespace': 'edge-mlops' } },
      }),
    ]);
    expect(grants('s3:PutObject')).toEqual([]);
  });

  it('lets recordResult read the drift baselines detectDrift reads, and none of the captures', () => {
    // Prepare
    const reads = (roleName: string) =>
      rolesOfFunctions()
        .find((r) => r.role === roleName)!
        .statements.filter((st) => [st.Action].flat().includes('s3:GetObject'))
        .flatMap((st) => [st.Resource].flat().map((r) => JSON.stringify(r)));
    const recordResult = reads('RecordResultIamRoleLambdaExecution');
    const detectDrift = reads('DetectDriftIamRoleLambdaExecution');
    // Assess
    expect(recordResult.length).toBeGreaterThan(0);
    expect(recordResult.filter((r) => !detectDrift.includes(r))).toEqual([]);
    expect(recordResult.filter((r) => r.includes('-capture/capture/'))).toEqual([]);
  });
});
