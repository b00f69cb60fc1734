import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * The sample inference component (components/inference/) is Python, as Greengrass devices
 * running DLR need; its own pytest suite runs here so that `npm test` covers it. Without
 * python3 and pytest the suite is skipped with a warning, unless CI requires it
 * (EDGE_MLOPS_REQUIRE_PYTEST=1, set by .ci/run, which installs Debian's python3-pytest).
 */
const ROOT = join(__dirname, '../../..');
const available = spawnSync('python3', ['-c', 'import pytest'], { encoding: 'utf8' }).status === 0;
const required = process.env.EDGE_MLOPS_REQUIRE_PYTEST === '1';

if (!available && required)
  throw new Error('EDGE_MLOPS_REQUIRE_PYTEST=1 but python3 -m pytest is unavailable');
if (!available)
  console.warn(
    'components/inference tests skipped: python3 -m pytest unavailable (apt-get install python3-pytest)',
  );

(available ? describe : describe.skip)('components/inference (pytest)', () => {
  it('passes its own contract tests: smoke answers, capture batches, metrics, DLR loading', () => {
    // Act: no cache or bytecode files left in the tree
    const run = spawnSync(
      'python3',
      ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', 'components/inference/tests'],
      { cwd: ROOT, encoding: 'utf8', env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } },
    );
    // Assess
    expect({ status: run.status, output: `${run.stdout}${run.stderr}` }).toEqual({
      status: 0,
      output: expect.stringMatching(/\d+ passed/),
    });
  });
});
