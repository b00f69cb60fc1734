import { checksFor } from '../../../emulator/iam/actions';
import { authorize } from '../../../emulator/iam/evaluate';
import { tracingRefusals } from '../../../emulator/iam/provisioning';
import { functionRoles } from '../../../emulator/iam/roles';
import type { ServiceDeclaration } from '../../../emulator/serverless-service';

/** The emulator's IAM pieces: roles as the plugin builds them, request → action mapping, evaluation. */
const where = { region: 'us-east-1', account: '000000000000' };
const service = (raw: Record<string, unknown>) =>
  ({ root: '.', providerEnvironment: {}, functions: {}, raw }) as unknown as ServiceDeclaration;
const X_RAY = {
  Effect: 'Allow',
  Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
  Resource: '*',
};
const OWN = {
  Effect: 'Allow',
  Action: ['dynamodb:GetItem'],
  Resource: 'arn:aws:dynamodb:us-east-1:000000000000:table/t',
};
const roles = (raw: Record<string, unknown>) =>
  functionRoles(service({ service: 'edge-mlops', ...raw }), {
    ...where,
    stage: 'local',
    resolve: (v) => v,
  });

describe('function roles (serverless-iam-roles-per-function semantics)', () => {
  it('inherits the provider statements only with defaultInherit or iamRoleStatementsInherit', () => {
    // Act
    const out = roles({
      provider: { tracing: { lambda: true }, iam: { role: { statements: [X_RAY] } } },
      custom: { 'serverless-iam-roles-per-function': { defaultInherit: true } },
      functions: {
        a: { iamRoleStatements: [OWN] },
        b: { iamRoleStatements: [OWN], iamRoleStatementsInherit: false },
      },
    });
    // Assess
    expect(out.a!.statements).toEqual([X_RAY, OWN]);
    expect(out.b!.statements).toEqual([OWN]);
    expect(out.a!.name).toBe('edge-mlops-local-a-us-east-1-lambdaRole');
    expect(out.a!.traced).toBe(true);
  });

  it('drops "lambdaRole" from names over 64 characters, as the plugin does', () => {
    // Act
    const key = 'aVeryLongFunctionNameThatPushesTheRoleNameOver64';
    const out = roles({ provider: {}, functions: { [key]: { iamRoleStatements: [OWN] } } });
    // Assess
    expect(out[key]!.name).toBe(`edge-mlops-local-${key}-us-east-1`);
  });

  it('refuses, at provisioning, a traced function whose role cannot write to X-Ray', async () => {
    // Prepare
    const out = roles({
      provider: { tracing: { lambda: true } },
      functions: { a: { iamRoleStatements: [OWN] }, b: { iamRoleStatements: [OWN, X_RAY] } },
    });
    // Act
    const refused = await tracingRefusals(out, (k) => `edge-mlops-local-${k}`);
    // Assess
    expect(refused).toEqual([
      'CreateFunction edge-mlops-local-a: InvalidParameterValueException: The provided execution role does not have permissions to call PutTraceSegments on XRAY (role edge-mlops-local-a-us-east-1-lambdaRole)',
    ]);
  });
});

describe('request → IAM action and resource', () => {
  it('maps S3 path-style requests to object and bucket actions', () => {
    const s3 = (method: string, path: string, query = '') =>
      checksFor(
        {
          service: 's3',
          operation: '',
          input: {},
          s3: { method, path, query: new URLSearchParams(query) },
        },
        where,
      );
    expect(s3('GET', '/b/k/x.json')).toEqual([
      { action: 's3:GetObject', resource: 'arn:aws:s3:::b/k/x.json' },
    ]);
    expect(s3('HEAD', '/b/k')).toEqual([{ action: 's3:GetObject', resource: 'arn:aws:s3:::b/k' }]);
    expect(s3('PUT', '/b/k')).toEqual([{ action: 's3:PutObject', resource: 'arn:aws:s3:::b/k' }]);
    expect(s3('GET', '/b', 'location')).toEqual([
      { action: 's3:GetBucketLocation', resource: 'arn:aws:s3:::b' },
    ]);
    expect(s3('GET', '/b', 'list-type=2')).toEqual([
      { action: 's3:ListBucket', resource: 'arn:aws:s3:::b' },
    ]);
    expect(s3('GET', '/b', 'list-type=2&prefix=capture%2Fg%2F2026%2F')).toEqual([
      {
        action: 's3:ListBucket',
        resource: 'arn:aws:s3:::b',
        context: { 's3:prefix': 'capture/g/2026/' },
      },
    ]);
  });

  it('narrows listing by s3:prefix as AWS does (detectDrift lists its capture prefix only)', async () => {
    const statements = [
      {
        Effect: 'Allow',
        Action: ['s3:ListBucket'],
        Resource: 'arn:aws:s3:::cap',
        Condition: { StringLike: { 's3:prefix': ['capture/g/*'] } },
      },
    ];
    const list = (prefix: string) =>
      authorize(
        {
          principal: 'arn:aws:iam::000000000000:role/r',
          principalAccount: '000000000000',
          statements,
        },
        [
          {
            action: 's3:ListBucket',
            resource: 'arn:aws:s3:::cap',
            context: { 's3:prefix': prefix },
          },
        ],
      );
    expect(await list('capture/g/2026/11/26/10/')).toEqual({ allowed: true });
    expect(await list('capture/other/2026/')).toMatchObject({ allowed: false });
  });

  it('maps DynamoDB, SQS and Lambda requests to their table, index, queue and function ARNs', () => {
    expect(
      checksFor(
        { service: 'dynamodb', operation: 'Query', input: { TableName: 't', IndexName: 'i' } },
        where,
      ),
    ).toEqual([
      {
        action: 'dynamodb:Query',
        resource: 'arn:aws:dynamodb:us-east-1:000000000000:table/t/index/i',
      },
    ]);
    expect(
      checksFor(
        {
          service: 'sqs',
          operation: 'ReceiveMessage',
          input: { QueueUrl: 'http://h/000000000000/q' },
        },
        where,
      ),
    ).toEqual([{ action: 'sqs:ReceiveMessage', resource: 'arn:aws:sqs:us-east-1:000000000000:q' }]);
    expect(
      checksFor(
        { service: 'lambda', operation: 'Invoke', input: {}, params: { name: 'f' } },
        where,
      ),
    ).toEqual([
      {
        action: 'lambda:InvokeFunction',
        resource: 'arn:aws:lambda:us-east-1:000000000000:function:f',
      },
    ]);
  });

  it('adds the dependent actions of a Greengrass deployment and of a tagged create', () => {
    // Act
    const checks = checksFor(
      {
        service: 'greengrass',
        operation: 'CreateDeployment',
        input: { targetArn: 'arn:aws:iot:us-east-1:000000000000:thinggroup/g', tags: { a: 'b' } },
      },
      where,
    );
    // Assess: each dependent action on what Greengrass acts on — the deployment's job, the
    // group, and (members unknown in advance) any thing of the account.
    const iot = 'arn:aws:iot:us-east-1:000000000000';
    expect(checks.map((c) => [c.action, c.resource])).toEqual([
      ['greengrass:CreateDeployment', `${iot}:thinggroup/g`],
      ['iot:CancelJob', `${iot}:job/greengrass-deployment-job`],
      ['iot:CreateJob', `${iot}:job/greengrass-deployment-job`],
      ['iot:CreateJob', `${iot}:thinggroup/g`],
      ['iot:DeleteThingShadow', `${iot}:thing/*`],
      ['iot:DescribeJob', `${iot}:job/greengrass-deployment-job`],
      ['iot:DescribeThing', `${iot}:thing/*`],
      ['iot:DescribeThingGroup', `${iot}:thinggroup/g`],
      ['iot:GetThingShadow', `${iot}:thing/*`],
      ['iot:UpdateJob', `${iot}:job/greengrass-deployment-job`],
      ['iot:UpdateThingShadow', `${iot}:thing/*`],
      ['greengrass:TagResource', expect.any(String)],
    ]);
    expect(checks[0]!.resource).toBe('arn:aws:iot:us-east-1:000000000000:thinggroup/g');
  });
});

describe('evaluation', () => {
  const principal = 'arn:aws:sts::000000000000:assumed-role/r/s';
  it('names an explicit deny as AWS does', async () => {
    // Act
    const decision = await authorize(
      {
        principal,
        principalAccount: '000000000000',
        statements: [
          { Effect: 'Allow', Action: 'dynamodb:*', Resource: '*' },
          { Effect: 'Deny', Action: 'dynamodb:DeleteItem', Resource: '*' },
        ],
      },
      [
        {
          action: 'dynamodb:DeleteItem',
          resource: 'arn:aws:dynamodb:us-east-1:000000000000:table/t',
        },
      ],
    );
    // Assess
    expect(decision).toMatchObject({
      allowed: false,
      explicit: true,
      reason: 'with an explicit deny in an identity-based policy',
    });
  });

  it('refuses when a condition does not hold', async () => {
    // Act
    const decision = await authorize(
      {
        principal,
        principalAccount: '000000000000',
        statements: [
          {
            Effect: 'Allow',
            Action: 'iam:PassRole',
            Resource: 'arn:aws:iam::000000000000:role/neo',
            Condition: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
          },
        ],
      },
      [
        {
          action: 'iam:PassRole',
          resource: 'arn:aws:iam::000000000000:role/neo',
          context: { 'iam:PassedToService': 'lambda.amazonaws.com' },
        },
      ],
    );
    // Assess
    expect(decision.allowed).toBe(false);
  });
});
