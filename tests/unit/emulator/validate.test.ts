import { modelledFault } from '../../../emulator/faults';
import { queryInput, restInput } from '../../../emulator/request-input';
import { checkedResponse, missingResponseMembers } from '../../../emulator/responses';
import { restOperation, serviceModels } from '../../../emulator/service-models';
import { validateCall, validateRequest } from '../../../emulator/validate';

const refusal = (f: () => void) => {
  try {
    f();
  } catch (e) {
    return { code: (e as Error).name, message: (e as Error).message };
  }
  throw new Error('expected a refusal');
};

describe('request validation from the service models', () => {
  it('names its source', () => {
    expect(serviceModels().source).toMatch(/^botocore \d+\.\d+\.\d+$/);
  });

  it('refuses a missing required member with AWS wording', () => {
    expect(refusal(() => validateRequest('sagemaker', 'DescribeCompilationJob', {}))).toEqual({
      code: 'ValidationException',
      message:
        "1 validation error detected: Value null at 'compilationJobName' failed to satisfy constraint: Member must not be null",
    });
  });

  it('refuses maxResults above the documented maximum', () => {
    expect(
      refusal(() =>
        validateRequest('states', 'GetExecutionHistory', {
          executionArn: 'arn:aws:states:us-east-1:000000000000:execution:m:e',
          maxResults: 5000,
        }),
      ).message,
    ).toContain(
      "at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000",
    );
  });

  it('refuses an enum value the model does not list, nested, and counts every violation', () => {
    const r = refusal(() =>
      validateRequest('sagemaker', 'UpdateModelPackage', {
        ModelPackageArn: 'arn:aws:sagemaker:us-east-1:000000000000:model-package/g/1',
        ModelApprovalStatus: 'Approve',
        CustomerMetadataProperties: { k: 'x'.repeat(300) },
      }),
    );
    expect(r.message).toMatch(/^2 validation errors detected: /);
    expect(r.message).toContain(
      "Value 'Approve' at 'modelApprovalStatus' failed to satisfy constraint: Member must satisfy enum value set: [Approved, Rejected, PendingManualApproval]",
    );
    expect(r.message).toContain("at 'customerMetadataProperties.k.value'");
  });

  it('refuses a compilation job whose framework Neo does not compile or whose S3 URI is not one', () => {
    // The checks CreateCompilationJob relies on (emulator/services/sagemaker-compilation.ts).
    const r = refusal(() =>
      validateRequest('sagemaker', 'CreateCompilationJob', {
        CompilationJobName: 'job-1',
        RoleArn: 'arn:aws:iam::000000000000:role/neo',
        InputConfig: { S3Uri: 's3://models/model.tar.gz', Framework: 'CAFFE' },
        OutputConfig: { S3OutputLocation: 'file:///tmp/out', TargetDevice: 'jetson_xavier' },
        StoppingCondition: { MaxRuntimeInSeconds: 900 },
      }),
    );
    expect(r.message).toMatch(/^2 validation errors detected: /);
    expect(r.message).toContain(
      "Value 'CAFFE' at 'inputConfig.framework' failed to satisfy constraint: Member must satisfy enum value set: [TENSORFLOW, KERAS, MXNET, ONNX, PYTORCH, XGBOOST, TFLITE, DARKNET, SKLEARN]",
    );
    expect(r.message).toContain("at 'outputConfig.s3OutputLocation'");
  });

  it('refuses a name that breaks the pattern, matched against the whole value', () => {
    expect(
      refusal(() =>
        validateRequest('sagemaker', 'DescribeCompilationJob', { CompilationJobName: 'a_b' }),
      ).message,
    ).toContain('Member must satisfy regular expression pattern');
    expect(() =>
      validateRequest('sagemaker', 'DescribeCompilationJob', { CompilationJobName: 'a-b' }),
    ).not.toThrow();
  });

  it('answers each service its own code', () => {
    expect(refusal(() => validateRequest('iot', 'DescribeJob', {})).code).toBe(
      'InvalidRequestException',
    );
    expect(refusal(() => validateRequest('sns', 'Publish', {})).code).toBe('InvalidParameter');
    expect(refusal(() => validateRequest('sqs', 'SendMessage', {})).code).toBe('MissingParameter');
    expect(refusal(() => validateRequest('greengrass', 'GetDeployment', {})).code).toBe(
      'ValidationException',
    );
  });

  it('reads REST bindings: URI, query string and payload', () => {
    const found = restOperation('greengrass', 'GET', '/greengrass/v2/deployments');
    expect(found?.name).toBe('ListDeployments');
    const input = restInput(
      'greengrass',
      found!.operation,
      found!.params,
      new URLSearchParams(
        'maxResults=500&targetArn=arn:aws:iot:us-east-1:000000000000:thinggroup/g',
      ),
      {},
      Buffer.alloc(0),
    );
    expect(input).toMatchObject({ maxResults: 500 });
    expect(
      refusal(() =>
        validateCall('greengrass', 'rest-json', 'ListDeployments', {
          method: 'GET',
          url: new URL('http://x/greengrass/v2/deployments?maxResults=500'),
          headers: {},
          body: Buffer.alloc(0),
        }),
      ).message,
    ).toContain(
      "at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 100",
    );
    expect(
      restOperation('greengrass', 'GET', '/greengrass/v2/components/arn%3Ax/metadata'),
    ).toMatchObject({
      name: 'DescribeComponent',
      params: { arn: 'arn:x' },
    });
  });

  it('reads query-protocol lists and maps (SNS MessageAttributes)', () => {
    const input = queryInput(
      'sns',
      'Publish',
      new URLSearchParams(
        'Action=Publish&TopicArn=t&Message=m&MessageAttributes.entry.1.Name=a&MessageAttributes.entry.1.Value.DataType=String&MessageAttributes.entry.1.Value.StringValue=v',
      ),
    );
    expect(input).toEqual({
      TopicArn: 't',
      Message: 'm',
      MessageAttributes: { a: { DataType: 'String', StringValue: 'v' } },
    });
  });
});

describe('modelled fault codes', () => {
  it.each([
    ['iot', 'DescribeJob', 'server', 'ServiceUnavailableException', 503],
    ['iotdata', 'Publish', 'server', 'InternalFailureException', 500],
    ['sns', 'Publish', 'server', 'InternalError', 500],
    ['greengrass', 'CreateDeployment', 'throttle', 'ThrottlingException', 429],
    ['sagemaker', 'DescribeModelPackage', 'server', 'InternalFailure', 500],
  ] as const)('%s.%s %s → %s', (service, operation, kind, code, status) => {
    expect(modelledFault(service, operation, kind)).toEqual({ code, status });
  });
});

describe('required response members', () => {
  it('names what an answer lacks, nested members included, headers excluded', () => {
    expect(
      missingResponseMembers('sagemaker', 'DescribeModelPackage', {
        ModelPackageArn: 'a',
        CreationTime: 1,
        ModelPackageStatus: 'Completed',
        ModelPackageStatusDetails: { ValidationStatuses: [{ Name: 'n' }] },
      }),
    ).toEqual(['ModelPackageName', 'ModelPackageStatusDetails.ValidationStatuses[0].Status']);
    expect(
      missingResponseMembers('states', 'GetExecutionHistory', {
        events: [{ id: 1, timestamp: 1, type: 'TaskScheduled', taskScheduledEventDetails: {} }],
      }),
    ).toEqual([
      'events[0].taskScheduledEventDetails.resourceType',
      'events[0].taskScheduledEventDetails.resource',
      'events[0].taskScheduledEventDetails.region',
      'events[0].taskScheduledEventDetails.parameters',
    ]);
  });

  it('answers an incomplete emulated response as the emulator bug it is', () => {
    expect(() => checkedResponse('sagemaker', 'CreateCompilationJob', {})).toThrow(
      'emulator bug: the sagemaker.CreateCompilationJob response lacks the required member(s) CompilationJobArn',
    );
  });
});
