import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../../functions/shared/errors';
import { stageConfigFromEnv } from '../../../functions/shared/stage-config/from-env';
import { loadStageConfig, parseStageConfig } from '../../../functions/shared/stage-config/load';
import {
  readResolvedStageConfig,
  resolvedPathOf,
} from '../../../functions/shared/stage-config/resolved';

const local = readFileSync('config/local.yml', 'utf8');
const broken = (from: string, to: string) => {
  if (!local.includes(from)) throw new Error(`fixture text not found: ${from}`);
  return local.replace(from, to);
};
const errorOf = (text: string, source = 'config/local.yml'): Error => {
  try {
    parseStageConfig(text, source);
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the configuration to be refused');
};

describe('stage configuration', () => {
  it.each(['config/local.yml', 'config/example.yml'])('accepts the shipped %s', (file) => {
    // Act
    const config = loadStageConfig(file);
    // Assess
    expect(Object.keys(config.modelGroups).length).toBeGreaterThan(0);
  });

  it('fills defaults a careful user would expect', () => {
    // Act
    const profile = loadStageConfig('config/local.yml').modelGroups['defect-detector']!;
    // Assess
    expect(profile.components.model.major).toBe(1);
    expect(profile.fleets[0]!.waves[0]!.deviceTimeoutMinutes).toBe(60);
    expect(typeof profile.neo.dataInputConfig).toBe('string');
    expect(JSON.parse(profile.neo.dataInputConfig)).toEqual({ input0: [1, 3, 224, 224] });
  });

  it('names file, line and field of an out-of-range value in one line', () => {
    // Prepare
    const text = broken('failureThresholdPercentage: 5,', 'failureThresholdPercentage: 500,');
    // Act
    const error = errorOf(text);
    // Assess
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toBe(
      `config/local.yml:${text.split('\n').findIndex((l) => l.includes('500,')) + 1}: modelGroups.defect-detector.fleets[0].waves[1].abort.failureThresholdPercentage: Too big: expected number to be <=100`,
    );
    expect(error.message).not.toContain('\n');
  });

  it('names a misspelt field', () => {
    // Act
    const error = errorOf(broken('deploymentTimeoutMinutes: 30', 'deploymentTimoutMinutes: 30'));
    // Assess
    expect(error.message).toMatch(
      /^config\/local\.yml:\d+: modelGroups\.defect-detector\.twin: unknown field\(s\) deploymentTimoutMinutes/,
    );
  });

  it('names a missing required field', () => {
    // Act
    const error = errorOf(broken('      framework: PYTORCH\n', ''));
    // Assess
    expect(error.message).toMatch(/modelGroups\.defect-detector\.neo\.framework: /);
  });

  it('refuses a fleet whose platform is not a target', () => {
    // Act
    const error = errorOf(broken('platform: rpi4', 'platform: rpi5'));
    // Assess
    expect(error.message).toMatch(
      /fleets\[1\]\.platform: unknown target "rpi5" \(targets: jetson-xavier, rpi4\)/,
    );
  });

  it('refuses a target with both targetDevice and targetPlatform', () => {
    // Act
    const error = errorOf(
      broken(
        'targetDevice: rasp4b\n',
        'targetDevice: rasp4b\n        targetPlatform: { os: LINUX, arch: ARM_EABIHF }\n',
      ),
    );
    // Assess
    expect(error.message).toMatch(
      /targets\[1\]\.targetDevice: give exactly one of targetDevice or targetPlatform/,
    );
  });

  it('refuses a quorum larger than the approvers', () => {
    // Act
    const error = errorOf(broken('quorum: 1', 'quorum: 3'));
    // Assess
    expect(error.message).toMatch(/approval\.quorum: quorum 3 exceeds the 2 approvers/);
  });

  it('refuses a grace period for offline devices that is not shorter than the wave timeout', () => {
    // Act
    const error = errorOf(
      broken(
        'abort: { failureThresholdPercentage: 10, minExecutedThings: 3 }',
        'abort: { failureThresholdPercentage: 10, minExecutedThings: 3 }\n            graceMinutes: 240',
      ),
    );
    // Assess
    expect(error.message).toMatch(
      /fleets\[1\]\.waves\[0\]\.graceMinutes: graceMinutes must be shorter than waveTimeoutMinutes/,
    );
  });

  it('refuses a wave whose poll floor is above its poll ceiling, naming both', () => {
    // Act
    const error = errorOf(
      broken(
        'abort: { failureThresholdPercentage: 10, minExecutedThings: 3 }',
        'abort: { failureThresholdPercentage: 10, minExecutedThings: 3 }\n            pollFloorSeconds: 600\n            pollCeilingSeconds: 300',
      ),
    );
    // Assess
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(
      /fleets\[1\]\.waves\[0\]\.pollFloorSeconds: pollFloorSeconds 600 must not exceed pollCeilingSeconds 300/,
    );
  });

  it('refuses YAML that does not parse, with its line', () => {
    // Act
    const error = errorOf('stage: local\nmodelGroups: {\n  a: [\n');
    // Assess
    expect(error.message).toMatch(/^config\/local\.yml:\d+: not valid YAML: /);
  });

  it('refuses a stage that does not match the file name', () => {
    // Act
    const error = errorOf(local, 'config/prod.yml');
    // Assess
    expect(error.message).toBe(
      'config/prod.yml: stage: "local" does not match the file name (expected "prod")',
    );
  });

  it('refuses a model group name SageMaker would not accept', () => {
    // Act
    const error = errorOf(broken('  defect-detector:', '  defect_detector:'));
    // Assess
    expect(error.message).toMatch(
      /modelGroups\.defect_detector: model package group names are SageMaker entity names/,
    );
  });

  it('says when the file cannot be read', () => {
    // Act & Assess
    expect(() => loadStageConfig('config/nope.yml')).toThrow(/^config\/nope\.yml: cannot read: /);
  });

  it('refuses an incrementFactor with more than one decimal, naming the field', () => {
    // Act
    const error = errorOf(broken('incrementFactor: 2', 'incrementFactor: 1.55'));
    // Assess
    expect(error.message).toMatch(
      /fleets\[\d+\]\.waves\[\d+\]\.rollout\.exponentialRate\.incrementFactor: incrementFactor allows at most one digit after the decimal point$/,
    );
    expect(() =>
      parseStageConfig(broken('incrementFactor: 2', 'incrementFactor: 1.5'), 'config/local.yml'),
    ).not.toThrow();
  });

  it('refuses a failureThresholdPercentage with more than two decimals, naming the field', () => {
    // Act
    const error = errorOf(
      broken('failureThresholdPercentage: 5,', 'failureThresholdPercentage: 10.999,'),
    );
    // Assess
    expect(error.message).toMatch(
      /waves\[1\]\.abort\.failureThresholdPercentage: failureThresholdPercentage \(IoT thresholdPercentage\) allows at most two digits after the decimal point$/,
    );
    expect(() =>
      parseStageConfig(
        broken('failureThresholdPercentage: 5,', 'failureThresholdPercentage: 10.99,'),
        'config/local.yml',
      ),
    ).not.toThrow();
  });

  it('refuses a target platform that an earlier manifest would hide, naming the field', () => {
    // Prepare: rpi4 matches any architecture, with a wildcard custom attribute that makes it
    // as specific as the Jetson's platform: every Jetson device would use rpi4's manifest.
    const text = broken(
      'greengrassPlatform: { os: linux, architecture: arm }',
      'greengrassPlatform: { os: linux, architecture: "/.+/", com.example.board: "*" }',
    ).replace(
      'greengrassPlatform: { os: linux, architecture: aarch64 }',
      'greengrassPlatform: { os: linux, architecture: aarch64 }',
    );
    const covered = broken(
      'greengrassPlatform: { os: linux, architecture: arm }',
      'greengrassPlatform: { os: linux, architecture: aarch64, com.example.board: "*" }',
    );
    // Act
    const error = errorOf(covered);
    // Assess
    expect(error.message).toMatch(
      /modelGroups\.defect-detector\.targets\[1\]\.greengrassPlatform: the manifest of target "rpi4" would never be used: every device it matches also matches the platform of target "jetson-xavier" \(\{"os":"linux","architecture":"aarch64"\}\), which comes first; make one of them stricter$/,
    );
    // A less specific platform is fine: it goes last and catches the rest.
    expect(() => parseStageConfig(text, 'config/local.yml')).not.toThrow();
  });

  it('accepts only framework versions the Neo edge table lists for edge targets', () => {
    // Act
    const error = errorOf(broken('frameworkVersion: "1.8"', 'frameworkVersion: "2.0"'));
    // Assess
    expect(error.message).toMatch(
      /modelGroups\.defect-detector\.neo\.frameworkVersion: SageMaker Neo compiles PYTORCH 1\.8 or earlier for edge devices \(targets jetson-xavier, rpi4\); 2\.0 is not supported/,
    );
    expect(errorOf(broken('framework: PYTORCH', 'framework: SKLEARN')).message).toMatch(
      /neo\.framework: SageMaker Neo does not compile SKLEARN for edge devices/,
    );
  });
});

describe('the resolved stage configuration a Lambda reads', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  const stageDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'edge-mlops-resolved-'));
    dirs.push(dir);
    const file = join(dir, 'local.yml');
    writeFileSync(file, local);
    return { dir, file };
  };
  const withEnv = <T>(name: string, value: string, fn: () => T): T => {
    const before = process.env[name];
    process.env[name] = value;
    try {
      return fn();
    } finally {
      if (before === undefined) delete process.env[name];
      else process.env[name] = before;
    }
  };

  it('is what validation produced, written beside the YAML when the YAML is loaded', () => {
    // Prepare
    const { dir, file } = stageDir();
    // Act
    const loaded = loadStageConfig(file);
    const read = withEnv('STAGE_CONFIG_FILE', file, stageConfigFromEnv);
    // Assess: defaults applied, nothing parsed again
    expect(resolvedPathOf(file)).toBe(join(dir, 'resolved', 'local.json'));
    expect(read).toEqual(loaded);
    expect(read.modelGroups['defect-detector']!.approval.retentionDays).toBeDefined();
  });

  it('is refused once the YAML changed after it was resolved', () => {
    // Prepare
    const { file } = stageDir();
    loadStageConfig(file);
    writeFileSync(file, broken('quorum: 1', 'quorum: 0'));
    // Act
    const act = () => readResolvedStageConfig(file);
    // Assess
    expect(act).toThrow(ConfigError);
    expect(act).toThrow(
      new RegExp(
        `^${resolvedPathOf(file)} was resolved from another version of ${file} \\(sha256 [0-9a-f]{12}…, the file has [0-9a-f]{12}…\\): package the stage again$`,
      ),
    );
  });

  it('names the missing file when the stage was never resolved', () => {
    // Prepare
    const { file } = stageDir();
    // Act
    const act = () => readResolvedStageConfig(file);
    // Assess
    expect(act).toThrow(
      `${resolvedPathOf(file)}: cannot read the resolved stage configuration (package the stage): ENOENT`,
    );
  });

  it('is rewritten only when it changes, and never from a refused YAML', () => {
    // Prepare
    const { file } = stageDir();
    loadStageConfig(file);
    const first = readFileSync(resolvedPathOf(file), 'utf8');
    writeFileSync(file, broken('quorum: 1', 'quorum: 0'));
    // Act
    expect(() => loadStageConfig(file)).toThrow(/approval\.quorum: Too small/);
    // Assess
    expect(readFileSync(resolvedPathOf(file), 'utf8')).toBe(first);
  });
});
