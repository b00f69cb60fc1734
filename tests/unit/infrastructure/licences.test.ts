import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * What ships to Lambda and what users install with the product stays under permissive
 * licences. The emulator's IAM policy evaluator (@cloud-copilot/iam-simulate) is
 * AGPL-3.0-or-later: a devDependency for local mode and tests, used unmodified, which is
 * allowed only as long as no deployed code imports it (docs/tooling.md, "Licences").
 */
const ROOT = join(__dirname, '../../..');
const PERMISSIVE = new Set([
  'MIT',
  'MIT-0',
  'Apache-2.0',
  'ISC',
  '0BSD',
  'BSD-2-Clause',
  'BSD-3-Clause',
  'CC0-1.0',
]);

type LockEntry = { license?: string; dev?: boolean; link?: boolean };
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, LockEntry>;
};

const sourcesUnder = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourcesUnder(path);
    return /\.(ts|cjs|mjs|js)$/.test(name) ? [path] : [];
  });

describe('licences', () => {
  it('every production dependency has a permissive licence', () => {
    const production = Object.entries(lock.packages).filter(
      ([path, entry]) => path.startsWith('node_modules/') && !entry.dev && !entry.link,
    );
    const refused = production
      .filter(([, entry]) => !PERMISSIVE.has(entry.license ?? 'unknown'))
      .map(([path, entry]) => `${path}: ${entry.license ?? 'no licence'}`);
    expect(production.length).toBeGreaterThan(50);
    expect(refused).toEqual([]);
  });

  it('copyleft packages are devDependencies that no deployed code imports', () => {
    const copyleft = Object.entries(lock.packages)
      .filter(([, entry]) => /GPL/.test(entry.license ?? ''))
      .map(([path]) => path.replace(/^.*node_modules\//, ''));
    for (const name of copyleft) expect(lock.packages[`node_modules/${name}`]?.dev).toBe(true);
    const importing = sourcesUnder(join(ROOT, 'functions')).filter((file) =>
      copyleft.some((name) => readFileSync(file, 'utf8').includes(`'${name}`)),
    );
    expect(importing.map((file) => relative(ROOT, file))).toEqual([]);
  });
});
