import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { validationRecord } from '../../../emulator/services/asl-validations';

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
    const record = validationRecord(definition, checks);
    expect(record.acceptedBefore).toBe(false);
    // Act
    record.remember();
    // Assess: the same content (another object) is known; a changed one or other options are not.
    expect(validationRecord(structuredClone(definition), checks).acceptedBefore).toBe(true);
    expect(validationRecord({ ...definition, StartAt: 'B' }, checks).acceptedBefore).toBe(false);
    expect(validationRecord(definition, { checkArn: true, checkPaths: false }).acceptedBefore).toBe(
      false,
    );
    expect(readdirSync(join(dir, 'asl'))).toHaveLength(1);
  });
});
