import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { errorMessage } from '../../../cli/error-message';
import { readEventFile } from '../../../cli/simulate';
import { statusOf } from '../../../cli/sre/status';

const refused = () =>
  Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4599'), {
    code: 'ECONNREFUSED',
    address: '127.0.0.1',
    port: 4599,
  });

describe('what a person reads when a command fails', () => {
  it('names the unreachable endpoint and how to start the emulator', () => {
    // Act
    const line = errorMessage(refused(), {});
    // Assess
    expect(line).toBe(
      'cannot reach 127.0.0.1:4599 (ECONNREFUSED). with --endpoint, start the local emulator first (edge-mlops emulator --port <port>); without it, check the network and the region',
    );
  });

  it('says AWS_ENDPOINT_URL is the reason when it is set, also for an error wrapped by the SDK', () => {
    // Act
    const line = errorMessage(Object.assign(new Error('socket'), { cause: refused() }), {
      AWS_ENDPOINT_URL: 'http://127.0.0.1:4599',
    });
    // Assess
    expect(line).toContain('AWS_ENDPOINT_URL is http://127.0.0.1:4599');
    expect(line).toContain('or unset AWS_ENDPOINT_URL to use AWS');
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
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
