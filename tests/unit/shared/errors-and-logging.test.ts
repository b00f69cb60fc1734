import {
  CompilationFailed,
  classifyAwsError,
  isTransientAwsError,
} from '../../../functions/shared/errors';
import { redact } from '../../../functions/shared/logger';

describe('classifyAwsError', () => {
  it.each([
    ['ThrottlingException', 400],
    ['TooManyRequestsException', 429],
    ['InternalServerException', 500],
    ['ServiceUnavailable', 503],
    // SQS's modelled throttling error answers 400 (botocore sqs-2012-11-05, RequestThrottled).
    ['RequestThrottled', 400],
  ])('treats %s as transient', (name, status) => {
    // Prepare
    const error = Object.assign(new Error('x'), { name, $metadata: { httpStatusCode: status } });
    // Act
    const classified = classifyAwsError(error, 'CreateDeployment');
    // Assess
    expect(classified.name).toBe('TransientError');
    expect(classified.message).toBe(`CreateDeployment: ${name}: x`);
    expect(classified.cause).toBe(error);
  });

  it('treats any 5xx and SDK-retryable error as transient', () => {
    // Act & Assess
    expect(
      isTransientAwsError(
        Object.assign(new Error(), { name: 'Weird', $metadata: { httpStatusCode: 502 } }),
      ),
    ).toBe(true);
    expect(isTransientAwsError(Object.assign(new Error(), { name: 'Weird', $retryable: {} }))).toBe(
      true,
    );
  });

  it('leaves validation errors permanent and pipeline errors untouched', () => {
    // Prepare
    const validation = Object.assign(new Error('bad'), {
      name: 'ValidationException',
      $metadata: { httpStatusCode: 400 },
    });
    const failed = new CompilationFailed('nope');
    // Act & Assess
    expect(classifyAwsError(validation, 'x')).toBe(validation);
    expect(classifyAwsError(failed, 'x')).toBe(failed);
    expect(failed.name).toBe('CompilationFailed');
  });
});

describe('redact', () => {
  it('hides task tokens, signatures and secrets at any depth', () => {
    // Act
    const out = redact({
      taskToken: 'AAAA',
      nested: { sig: 'abc', list: [{ hmacKey: 'k', ok: 1 }] },
      modelPackageArn: 'arn',
    });
    // Assess
    expect(out).toEqual({
      taskToken: '[redacted]',
      nested: { sig: '[redacted]', list: [{ hmacKey: '[redacted]', ok: 1 }] },
      modelPackageArn: 'arn',
    });
  });
});
