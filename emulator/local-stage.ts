import type { ServiceDeclaration } from './serverless-service';

/**
 * The local stage's resources, provisioned from what serverless.yml declares: every
 * table, bucket, topic, queue, secret and role under `resources:` gets a local name and
 * ARN, and CloudFormation intrinsics in function environments (`!Ref StateTable`,
 * `!GetAtt NeoRole.Arn`, `${sls:stage}` …) resolve to them. Nothing is listed by hand.
 */
export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_REGION = 'us-east-1';
export const LOCAL_STAGE = 'local';

export type LocalResource = {
  logicalId: string;
  type: string;
  ref: string;
  attributes: Record<string, string>;
};

/** The state machines serverless.yml declares (`stepFunctions.stateMachines`): key, id, name. */
export const stateMachinesOf = (service: ServiceDeclaration) =>
  Object.entries(
    (service.raw.stepFunctions as { stateMachines: Record<string, { id: string; name: string }> })
      .stateMachines,
  ).map(([key, { id, name }]) => ({ key, id, name }));

const slug = (id: string) => id.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();

export const localResources = (
  service: ServiceDeclaration,
  endpoints: { approvalApiUrl: string; emulatorUrl: string },
  stage = LOCAL_STAGE,
): Record<string, LocalResource> => {
  type Declared = Record<string, { Type: string; Properties?: Record<string, unknown> }>;
  const declared = ((service.raw.resources as { Resources?: Declared })?.Resources ??
    {}) as Declared;
  const out: Record<string, LocalResource> = {};
  const prefix = `edge-mlops-${stage}`;
  for (const [logicalId, { Type: type, Properties: props }] of Object.entries(declared)) {
    // A name serverless.yml gives (QueueName, TableName …) is kept; otherwise one is made up.
    const given = [props?.QueueName, props?.TableName, props?.BucketName, props?.TopicName].find(
      (v) => typeof v === 'string',
    ) as string | undefined;
    const name = given ? given.replaceAll('${sls:stage}', stage) : `${prefix}-${slug(logicalId)}`;
    switch (type) {
      case 'AWS::DynamoDB::Table':
        out[logicalId] = {
          logicalId,
          type,
          ref: name,
          attributes: { Arn: `arn:aws:dynamodb:${LOCAL_REGION}:${LOCAL_ACCOUNT}:table/${name}` },
        };
        break;
      case 'AWS::S3::Bucket':
        out[logicalId] = {
          logicalId,
          type,
          ref: name,
          attributes: { Arn: `arn:aws:s3:::${name}` },
        };
        break;
      case 'AWS::SNS::Topic': {
        const arn = `arn:aws:sns:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${name}`;
        out[logicalId] = {
          logicalId,
          type,
          ref: arn,
          attributes: { TopicArn: arn, TopicName: name },
        };
        break;
      }
      case 'AWS::SQS::Queue':
        out[logicalId] = {
          logicalId,
          type,
          ref: `${endpoints.emulatorUrl}/${LOCAL_ACCOUNT}/${name}`,
          attributes: {
            Arn: `arn:aws:sqs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${name}`,
            QueueName: name,
          },
        };
        break;
      case 'AWS::SecretsManager::Secret': {
        const arn = `arn:aws:secretsmanager:${LOCAL_REGION}:${LOCAL_ACCOUNT}:secret:${name}-AbCdEf`;
        out[logicalId] = { logicalId, type, ref: arn, attributes: { Id: arn } };
        break;
      }
      case 'AWS::IAM::Role':
        out[logicalId] = {
          logicalId,
          type,
          ref: name,
          attributes: { Arn: `arn:aws:iam::${LOCAL_ACCOUNT}:role/${name}` },
        };
        break;
      case 'AWS::KMS::Key': {
        // Ref is the key id; a fixed id per logical id keeps local ARNs stable across runs.
        const keyId = `00000000-0000-4000-8000-${slug(logicalId)
          .replace(/[^a-z0-9]/g, '')
          .padEnd(12, '0')
          .slice(0, 12)}`;
        out[logicalId] = {
          logicalId,
          type,
          ref: keyId,
          attributes: {
            Arn: `arn:aws:kms:${LOCAL_REGION}:${LOCAL_ACCOUNT}:key/${keyId}`,
            KeyId: keyId,
          },
        };
        break;
      }
      default:
        out[logicalId] = { logicalId, type, ref: name, attributes: {} };
    }
  }
  // Made by the plugins rather than under resources:, each state machine by its id and name.
  for (const machine of stateMachinesOf(service)) {
    const name = machine.name.replaceAll('${sls:stage}', stage);
    out[machine.id] = {
      logicalId: machine.id,
      type: 'AWS::StepFunctions::StateMachine',
      ref: `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${name}`,
      attributes: { Name: name },
    };
  }
  out.HttpApi = {
    logicalId: 'HttpApi',
    type: 'AWS::ApiGatewayV2::Api',
    ref: 'local-http-api',
    attributes: { ApiEndpoint: endpoints.approvalApiUrl },
  };
  return out;
};

const PSEUDO: Record<string, string> = {
  'AWS::AccountId': LOCAL_ACCOUNT,
  'AWS::Region': LOCAL_REGION,
  'AWS::Partition': 'aws',
  'AWS::URLSuffix': 'amazonaws.com',
};

/** Resolves CloudFormation intrinsics and serverless variables to local values. */
export const resolveLocal = (
  value: unknown,
  resources: Record<string, LocalResource>,
  stage = LOCAL_STAGE,
): unknown => {
  const lookup = (id: string, attribute?: string): string => {
    if (!attribute && PSEUDO[id]) return PSEUDO[id];
    const resource = resources[id];
    if (!resource)
      throw new Error(`serverless.yml refers to ${id}, which local mode does not provision`);
    if (!attribute) return resource.ref;
    const found = resource.attributes[attribute];
    if (found === undefined) throw new Error(`local mode has no ${id}.${attribute}`);
    return found;
  };
  const substitute = (text: string) =>
    text
      .replaceAll('${sls:stage}', stage)
      .replace(/\$\{([A-Za-z0-9:]+)(?:\.([A-Za-z]+))?\}/g, (_m, id: string, attr?: string) =>
        lookup(id, attr),
      );
  if (typeof value === 'string') return value.replaceAll('${sls:stage}', stage);
  if (Array.isArray(value)) return value.map((v) => resolveLocal(v, resources, stage));
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if ('Ref' in o) return lookup(String(o.Ref));
    if ('Fn::GetAtt' in o) {
      const target = o['Fn::GetAtt'];
      const [id, attr] = Array.isArray(target) ? target : String(target).split('.');
      return lookup(String(id), String(attr));
    }
    if ('Fn::Sub' in o) {
      const sub = o['Fn::Sub'];
      return substitute(Array.isArray(sub) ? String(sub[0]) : String(sub));
    }
    return Object.fromEntries(
      Object.entries(o).map(([k, v]) => [k, resolveLocal(v, resources, stage)]),
    );
  }
  return value;
};
