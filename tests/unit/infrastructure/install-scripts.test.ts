import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * npm 11.16+ reads `allowScripts` in package.json and npm 12 skips every dependency install
 * script it does not allow (docs.npmjs.com, "npm install-scripts"). Our quick start depends on
 * two of them: the `node` package's preinstall fetches the Node 24 the npm scripts run on, and
 * esbuild's postinstall checks its platform binary. A dependency that gains an install script
 * must be reviewed here, or a fresh `npm install` on npm 12 would quietly leave it broken.
 */
const ROOT = join(__dirname, '../../..');
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  allowScripts?: Record<string, boolean>;
};
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { hasInstallScript?: boolean }>;
};

const packageName = (lockPath: string): string => lockPath.replace(/^.*node_modules\//, '');

describe('dependency install scripts', () => {
  const withScripts = [
    ...new Set(
      Object.entries(lock.packages)
        .filter(([path, entry]) => path.startsWith('node_modules/') && entry.hasInstallScript)
        .map(([path]) => packageName(path)),
    ),
  ].sort();

  it('every dependency with an install script has a decision in allowScripts', () => {
    const decided = Object.keys(manifest.allowScripts ?? {});
    expect(withScripts.length).toBeGreaterThan(0);
    expect(withScripts.filter((name) => !decided.includes(name))).toEqual([]);
  });

  it('the scripts the quick start needs are allowed', () => {
    expect(manifest.allowScripts).toMatchObject({ node: true, esbuild: true });
  });

  it('no decision is kept for a package that no longer has an install script', () => {
    const stale = Object.keys(manifest.allowScripts ?? {}).filter(
      (name) => !withScripts.includes(name),
    );
    expect(stale).toEqual([]);
  });
});
