import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { endpointFlagOf, errorMessage } from '../../../cli/error-message';
import { readEventFile } from '../../../cli/simulate';
import { statusOf } from '../../../cli/sre/status';

const refused = () =>
  Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4599'), {
    code: 'ECONNREFUSED',
    address: '127.0.0.1',
    port: 4599,
  });

describe('what a person reads when a command fails', () => {
  it('names the --endpoint that does not answer and how to start an emulator on its port', () => {
    // Act
    const line = errorMessage(refused(), {}, { endpoint: 'http://127.0.0.1:4599' });
    const ofSimulate = errorMessage(refused(), {}, { endpoint: 'http://[::1]', simulate: true });
    // Assess
    expect(line).toBe(
      'cannot reach http://127.0.0.1:4599 (ECONNREFUSED): start the local emulator there (edge-mlops emulator --port 4599), or leave out --endpoint to use AWS',
    );
    expect(ofSimulate).toBe(
      'cannot reach http://[::1] (ECONNREFUSED): start the local emulator there (edge-mlops emulator --port 80), or leave out --endpoint and simulate starts its own',
    );
  });

  it('names the AWS host it could not reach when no endpoint was given', () => {
    // Prepare: the SDK's error for a host name that does not resolve.
    const notFound = Object.assign(
      new Error('getaddrinfo ENOTFOUND states.eu-west-9.amazonaws.com'),
      {
        code: 'ENOTFOUND',
        hostname: 'states.eu-west-9.amazonaws.com',
      },
    );
    // Act
    const line = errorMessage(notFound, {});
    // Assess
    expect(line).toBe(
      'cannot reach states.eu-west-9.amazonaws.com (ENOTFOUND): check the network and the region (--region or AWS_REGION); for the local emulator instead, start one (edge-mlops emulator) and give --endpoint http://127.0.0.1:4566',
    );
  });

  it('says what to do when there are no AWS credentials, instead of the SDK error name', () => {
    // Prepare
    const noCredentials = Object.assign(
      new Error('Could not load credentials from any providers'),
      {
        name: 'CredentialsProviderError',
      },
    );
    // Act
    const line = errorMessage(noCredentials, {});
    // Assess
    expect(line).toBe(
      'no AWS credentials found (Could not load credentials from any providers): configure them (aws configure, AWS_PROFILE or --profile), or use the local emulator: start one (edge-mlops emulator) and give --endpoint http://127.0.0.1:4566',
    );
  });

  it('says AWS_ENDPOINT_URL is the reason when it is set, also for an error wrapped by the SDK', () => {
    // Act
    const line = errorMessage(Object.assign(new Error('socket'), { cause: refused() }), {
      AWS_ENDPOINT_URL: 'http://127.0.0.1:4599',
    });
    // Assess
    expect(line).toBe(
      'cannot reach http://127.0.0.1:4599 (ECONNREFUSED): AWS_ENDPOINT_URL is http://127.0.0.1:4599: start the local emulator there (edge-mlops emulator --port 4599), or unset AWS_ENDPOINT_URL to use AWS',
    );
  });

  it('names an execution that does not exist with where to find the right name', () => {
    // Prepare: Step Functions' answer to DescribeExecution of an unknown name.
    const unknown = Object.assign(
      new Error(
        "Execution Does Not Exist: 'arn:aws:states:us-east-1:000000000000:execution:edge-mlops-local-edge-deployment:nope'",
      ),
      { name: 'ExecutionDoesNotExist' },
    );
    // Act
    const line = errorMessage(unknown, {});
    // Assess
    expect(line).toBe(
      'no execution nope on edge-mlops-local-edge-deployment: edge-mlops executions list --since 30d shows the names (rollbacks of rejected versions are named rollback-…)',
    );
  });

  it('prints our own errors as they are and others with their name', () => {
    expect(errorMessage(Object.assign(new Error('bad stage'), { name: 'ConfigError' }))).toBe(
      'bad stage',
    );
    expect(errorMessage(new TypeError('x is undefined'))).toBe('TypeError: x is undefined');
  });
});

describe('--status', () => {
  it('accepts a status in any case', () => {
    expect(statusOf('failed')).toBe('FAILED');
    expect(statusOf('Timed_Out')).toBe('TIMED_OUT');
  });

  it('knows no other status', () => {
    expect(statusOf('broken')).toBeUndefined();
  });
});

describe('the event file of simulate', () => {
  it('names the file and the position of a JSON mistake', () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'event-'));
    const file = join(dir, 'event.json');
    writeFileSync(file, '{"detail": {\n');
    try {
      // Act & Assess
      expect(() => readEventFile(file)).toThrow(
        new RegExp(`^the event file ${file} is not valid JSON: .*line 2 column 1`),
      );
      expect(() => readEventFile(join(dir, 'missing.json'))).toThrow(
        `cannot read the event file ${join(dir, 'missing.json')}: ENOENT`,
      );
      // Valid JSON, but not an event the rule could match or the registry could be seeded from.
      const notAnEvent = (content: unknown) => {
        writeFileSync(file, JSON.stringify(content));
        return () => readEventFile(file);
      };
      const sample = JSON.parse(
        readFileSync(join(__dirname, '../../../events/model-package-approved.json'), 'utf8'),
      );
      expect(notAnEvent([1])).toThrow(
        `the event file ${file} is not a SageMaker Model Package State Change event: it is not a JSON object`,
      );
      expect(notAnEvent({ detail: {} })).toThrow(
        `the event file ${file} is not a SageMaker Model Package State Change event: source is missing (want "aws.sagemaker"); detail-type is missing (want "SageMaker Model Package State Change"); detail.ModelPackageGroupName is missing`,
      );
      expect(notAnEvent({ ...sample, detail: 'x' })).toThrow(
        `the event file ${file} is not a SageMaker Model Package State Change event: detail is not an object`,
      );
      // A malformed event of the right kind is delivered: start-pipeline names its faults.
      const malformed = JSON.parse(
        readFileSync(join(__dirname, '../../../events/malformed-model-package-event.json'), 'utf8'),
      );
      expect(notAnEvent(malformed)()).toEqual(malformed);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the --endpoint of a command line', () => {
  it('is read in both spellings, and absent when not given', () => {
    expect(endpointFlagOf(['node', 'x', 'fleets', '--endpoint', 'http://h:1'])).toEqual({
      endpoint: 'http://h:1',
      simulate: false,
    });
    expect(endpointFlagOf(['node', 'x', 'simulate', '--endpoint=http://h:2', '--json'])).toEqual({
      endpoint: 'http://h:2',
      simulate: true,
    });
    expect(endpointFlagOf(['node', 'x', 'fleets', '--json'])).toEqual({ simulate: false });
  });
});
