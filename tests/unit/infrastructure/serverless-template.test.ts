import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type PackageResult,
  packageService,
  serviceWithConfig,
} from '../../helpers/package-service';

type Resource = { Type: string; Properties: Record<string, any> };
type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

let packaged: PackageResult;
let resources: Record<string, Resource>;
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

beforeAll(() => {
  packaged = packageService('local');
  if (packaged.status !== 0) throw new Error(`serverless package failed:\n${packaged.output}`);
  resources = packaged.template!.Resources;
}, 180_000);

describe('serverless package (offline, no AWS credentials)', () => {
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

  it('declares the state machine with every task wired to a packaged function', () => {
    // Prepare
    const [, machine] = ofType('AWS::StepFunctions::StateMachine')[0]!;
    const [text, substitutions] = machine.Properties.DefinitionString['Fn::Sub'] as [
      string,
      Record<string, any>,
    ];
    // Act
    const referenced = Object.values(substitutions).map((v) => v['Fn::GetAtt'][0]);
    // Assess
    expect(JSON.parse(text.replace(/\$\{[^}]+\}/g, 'x')).StartAt).toBe('Rollback Requested?');
    expect(referenced).toContain('ResolveModelLambdaFunction');
    for (const logicalId of referenced)
      expect(resources[logicalId]?.Type).toBe('AWS::Lambda::Function');
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

  it('alarms the operations topic on failed and timed-out executions, dead letters, overdue approvals and aborted rollouts', () => {
    // Act
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
    // Assess
    expect(alarms.map((a) => a.MetricName).sort()).toEqual([
      'ApproximateNumberOfMessagesVisible',
      'DecidedApprovalsNotResumed',
      'ExecutionsFailed',
      'ExecutionsTimedOut',
      'PendingApprovalsOverdue',
      'RolloutsAborted',
    ]);
    for (const a of alarms) {
      expect(a.AlarmActions).toEqual([{ Ref: 'OpsTopic' }]);
      expect(String(a.AlarmDescription)).toMatch(/Run: edge-mlops (executions|dlq) /);
    }
  });

  it('ships the stage configuration inside each function package', () => {
    // Act
    const listing = execFileSync('unzip', ['-l', join(packaged.dir, 'resolveModel.zip')], {
      encoding: 'utf8',
    });
    // Assess
    expect(listing).toContain('config/local.yml');
    expect(listing).toContain('functions/resolve-model/handler.js.map');
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
});
