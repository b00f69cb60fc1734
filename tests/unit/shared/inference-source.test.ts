import { execFileSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import {
  inferenceArtifactUri,
  recipeDigestOf,
} from '../../../functions/shared/greengrass/inference-artifact';
import {
  buildInferenceArchive,
  checkEntryPoint,
} from '../../../functions/shared/stage-config/inference-source';
import { loadStageConfig } from '../../../functions/shared/stage-config/load';
import { resolvedPathOf } from '../../../functions/shared/stage-config/resolved';
import type { Inference } from '../../../functions/shared/stage-config/schema';

/**
 * The inference archive built from components.inference.source: deterministic (same content,
 * same bytes), free of what a device does not need, and refused at resolve time with the
 * file, line and field when the folder or its entry point is wrong.
 */
const ROOT = join(__dirname, '../../..');
const SAMPLE = join(ROOT, 'components/inference');
const temps: string[] = [];
const temp = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

/** A copy of components/inference with its files written in reverse order and odd mtimes. */
const shuffledCopy = () => {
  const dir = temp('edge-mlops-inference-copy-');
  const files = buildInferenceArchive(SAMPLE).files;
  for (const file of [...files].reverse()) {
    mkdirSync(join(dir, file, '..'), { recursive: true });
    writeFileSync(join(dir, file), readFileSync(join(SAMPLE, file)));
    utimesSync(join(dir, file), new Date('2031-05-06T07:08:09Z'), new Date('2031-05-06T07:08:09Z'));
  }
  return dir;
};

describe('the inference archive', () => {
  it('is byte-identical for the same content, whatever the mtimes and the order files were written in', () => {
    // Prepare
    const copy = shuffledCopy();
    // Act
    const a = buildInferenceArchive(SAMPLE);
    const b = buildInferenceArchive(copy);
    // Assess
    expect(Buffer.from(b.zip).equals(Buffer.from(a.zip))).toBe(true);
    expect(b.sha256).toBe(a.sha256);
  });

  it('is byte-identical in another time zone (ZIP timestamps are local time)', () => {
    // Act: the same build in a process whose local time is nine hours ahead.
    const tokyo = execFileSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        `const { buildInferenceArchive } = require(${JSON.stringify(join(ROOT, 'functions/shared/stage-config/inference-source.ts'))}); process.stdout.write(buildInferenceArchive(${JSON.stringify(SAMPLE)}).sha256)`,
      ],
      { env: { ...process.env, TZ: 'Asia/Tokyo' }, cwd: ROOT, encoding: 'utf8' },
    );
    // Assess
    expect(tokyo).toBe(buildInferenceArchive(SAMPLE).sha256);
  });

  it('leaves out tests, caches, byte code and hidden files, and holds the files as they are', () => {
    // Prepare
    const copy = shuffledCopy();
    mkdirSync(join(copy, 'tests'), { recursive: true });
    writeFileSync(join(copy, 'tests', 'test_more.py'), 'assert True\n');
    mkdirSync(join(copy, 'edge_inference', '__pycache__'), { recursive: true });
    writeFileSync(join(copy, 'edge_inference', '__pycache__', 'app.cpython-311.pyc'), 'x');
    writeFileSync(join(copy, 'edge_inference', 'stale.pyc'), 'x');
    writeFileSync(join(copy, '.env'), 'SECRET=1\n');
    mkdirSync(join(copy, '.pytest_cache'), { recursive: true });
    writeFileSync(join(copy, '.pytest_cache', 'README.md'), 'x');
    // Act
    const archive = buildInferenceArchive(copy);
    const unzipped = unzipSync(archive.zip);
    // Assess
    expect(archive.sha256).toBe(buildInferenceArchive(SAMPLE).sha256);
    expect(Object.keys(unzipped)).toEqual(archive.files);
    expect(archive.files).toContain('serve.py');
    expect(archive.files.some((f) => /tests\/|__pycache__|\.pyc$|^\./.test(f))).toBe(false);
    expect(Buffer.from(unzipped['serve.py']!).equals(readFileSync(join(SAMPLE, 'serve.py')))).toBe(
      true,
    );
  });

  it('changes with one byte of content', () => {
    // Prepare
    const copy = shuffledCopy();
    writeFileSync(join(copy, 'serve.py'), `${readFileSync(join(copy, 'serve.py'), 'utf8')}#\n`);
    // Act & Assess
    expect(buildInferenceArchive(copy).sha256).not.toBe(buildInferenceArchive(SAMPLE).sha256);
  });

  it('is refused for a missing or empty folder', () => {
    // Prepare
    const empty = temp('edge-mlops-inference-empty-');
    mkdirSync(join(empty, 'tests'));
    writeFileSync(join(empty, 'tests', 'test_x.py'), '');
    // Act & Assess
    expect(() => buildInferenceArchive(join(empty, 'nope'))).toThrow(
      `folder ${join(empty, 'nope')} does not exist`,
    );
    expect(() => buildInferenceArchive(empty)).toThrow(/holds no file to ship/);
  });

  it('has an entry point only when run starts a file of it', () => {
    // Prepare
    const archive = buildInferenceArchive(SAMPLE);
    // Act & Assess
    expect(() =>
      checkEntryPoint(
        'python3 -u {artifacts:decompressedPath}/inference/serve.py --model-dir {modelDir}',
        archive,
        'components/inference',
      ),
    ).not.toThrow();
    expect(() =>
      checkEntryPoint('python3 -u /opt/app/serve.py', archive, 'components/inference'),
    ).toThrow(/run must start a file of components\/inference/);
    expect(() =>
      checkEntryPoint(
        'python3 -u {artifacts:decompressedPath}/inference/main.py',
        archive,
        'components/inference',
      ),
    ).toThrow(
      'run starts {artifacts:decompressedPath}/inference/main.py, which components/inference does not hold',
    );
  });

  it('lives under a key named by its content, and its recipe digest is the Base64 of its SHA-256', () => {
    // Prepare
    const sha256 = 'ab'.repeat(32);
    // Act & Assess
    expect(
      inferenceArtifactUri({ bucket: 'b', stage: 'prod', group: 'g', version: '1.4.0', sha256 }),
    ).toBe('s3://b/prod/g/inference/1.4.0/abababababab/inference.zip');
    expect(recipeDigestOf(sha256)).toBe(Buffer.from(sha256, 'hex').toString('base64'));
  });
});

describe('components.inference.source in the stage configuration', () => {
  const local = readFileSync(join(ROOT, 'config/local.yml'), 'utf8');
  const CODE_URI = 'artifactUri: s3://edge-mlops-local-code/defect-detector/inference-1.4.0.zip';
  const RUN =
    'run: python3 -u {artifacts:decompressedPath}/inference-1.4.0/serve.py --model-dir {modelDir}';
  /** config/local.yml in a project whose root holds serverless.yml and components/inference. */
  const project = (edit: (text: string) => string) => {
    const root = temp('edge-mlops-source-');
    writeFileSync(join(root, 'serverless.yml'), 'service: x\n');
    cpSync(SAMPLE, join(root, 'components/inference'), { recursive: true });
    mkdirSync(join(root, 'config'));
    const file = join(root, 'config/local.yml');
    writeFileSync(file, edit(local));
    return file;
  };
  const lineOf = (file: string, text: string) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .findIndex((l) => l.includes(text)) + 1;
  const built = (text: string) =>
    text
      .replace(CODE_URI, 'source: components/inference')
      .replace(
        RUN,
        'run: python3 -u {artifacts:decompressedPath}/inference/serve.py --model-dir {modelDir}',
      );

  it('is built at resolve time: the resolved JSON carries the archive SHA-256, relative to the project root', () => {
    // Prepare
    const file = project(built);
    // Act
    const config = loadStageConfig(file);
    // Assess
    const sha = buildInferenceArchive(SAMPLE).sha256;
    const inference: Inference = config.modelGroups['defect-detector']!.components.inference;
    expect(inference).toMatchObject({ source: 'components/inference', artifactSha256: sha });
    expect(inference.artifactUri).toBeUndefined();
    const resolved = JSON.parse(readFileSync(resolvedPathOf(file), 'utf8'));
    expect(resolved.config.modelGroups['defect-detector'].components.inference.artifactSha256).toBe(
      sha,
    );
  });

  it('names file, line and field when the folder does not exist', () => {
    // Prepare
    const file = project((t) =>
      built(t).replace('source: components/inference', 'source: components/nope'),
    );
    // Act & Assess
    expect(() => loadStageConfig(file)).toThrow(
      `${file}:${lineOf(file, 'source: components/nope')}: modelGroups.defect-detector.components.inference.source: folder ${join(file, '../../components/nope')} does not exist`,
    );
  });

  it('names the run field when run starts no file of the folder', () => {
    // Prepare
    const file = project((t) =>
      built(t).replace(
        '{artifacts:decompressedPath}/inference/serve.py',
        '{artifacts:decompressedPath}/inference/app.py',
      ),
    );
    // Act & Assess
    expect(() => loadStageConfig(file)).toThrow(
      `${file}:${lineOf(file, 'inference/app.py')}: modelGroups.defect-detector.components.inference.run: run starts {artifacts:decompressedPath}/inference/app.py, which components/inference does not hold`,
    );
  });

  it('is refused together with artifactUri, and one of the two is required', () => {
    // Prepare
    const both = project((t) =>
      t.replace(CODE_URI, `${CODE_URI}\n        source: components/inference`),
    );
    const neither = project((t) =>
      t
        .split('\n')
        .filter((line) => !line.includes(CODE_URI))
        .join('\n'),
    );
    // Act & Assess
    expect(() => loadStageConfig(both)).toThrow(
      /components\.inference\.source: give either artifactUri \(an archive you upload\) or source/,
    );
    expect(() => loadStageConfig(neither)).toThrow(
      /components\.inference\.artifactUri: give artifactUri \(an archive you upload\) or source/,
    );
  });

  it('refuses a folder outside the project', () => {
    // Prepare
    const file = project((t) =>
      built(t).replace('source: components/inference', 'source: ../elsewhere'),
    );
    // Act & Assess
    expect(() => loadStageConfig(file)).toThrow(
      /components\.inference\.source: must be a folder of this project, relative to its root/,
    );
  });
});
