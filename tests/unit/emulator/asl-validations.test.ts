import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { acceptedBefore, rememberAccepted } from '../../../emulator/services/asl-validations';

describe('definitions accepted before', () => {
  const saved = process.env.EDGE_MLOPS_CACHE_DIR;
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(os.tmpdir(), 'asl-validations-'));
    process.env.EDGE_MLOPS_CACHE_DIR = dir;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.EDGE_MLOPS_CACHE_DIR;
    else process.env.EDGE_MLOPS_CACHE_DIR = saved;
    rmSync(dir, { recursive: true, force: true });
  });
  const definition = { StartAt: 'A', States: { A: { Type: 'Succeed' } } };
  const checks = { checkArn: false, checkPaths: false };

  it('are remembered by content, with the options they were checked with', () => {
    expect(acceptedBefore(definition, checks)).toBe(false);
    // Act
    rememberAccepted(definition, checks);
    // Assess: the same content (another object) is known; a changed one or other options are not.
    expect(acceptedBefore(structuredClone(definition), checks)).toBe(true);
    expect(acceptedBefore({ ...definition, StartAt: 'B' }, checks)).toBe(false);
    expect(acceptedBefore(definition, { checkArn: true, checkPaths: false })).toBe(false);
    expect(readdirSync(join(dir, 'asl'))).toHaveLength(1);
  });
});
