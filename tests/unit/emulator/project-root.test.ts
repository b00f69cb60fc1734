import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { findProjectRoot, PROJECT_ROOT } from '../../../emulator/project-root';

describe('findProjectRoot', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(os.tmpdir(), 'root-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('finds the nearest directory holding serverless.yml, from deep inside a build cache', () => {
    // Prepare: where the CLI's bundle runs from.
    writeFileSync(join(dir, 'serverless.yml'), 'service: x\n');
    const bundleDir = join(dir, 'node_modules/.cache/edge-mlops/cli/0123abcd');
    mkdirSync(bundleDir, { recursive: true });
    // Act, Assess
    expect(findProjectRoot(bundleDir)).toBe(dir);
    expect(findProjectRoot(dir)).toBe(dir);
  });

  it('says where it looked when there is none', () => {
    expect(() => findProjectRoot(dir)).toThrow(`no serverless.yml at or above ${dir}`);
  });

  it('is this repository when run from the sources', () => {
    expect(PROJECT_ROOT).toBe(join(__dirname, '../../..'));
  });
});
