import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { Emulator } from '../../emulator/emulator';
import { readService } from '../../emulator/serverless-service';
import { loadStageConfig } from '../../functions/shared/stage-config/load';
import { controlOf, runSimulation, startLocalEmulator } from '../helpers/local-mode';
import { until } from '../helpers/until';

/**
 * A local run leaves nothing in the temp directory: not after a normal end, not after a
 * failure, not after the emulator of a test is stopped, not after Ctrl-C/SIGTERM of
 * `edge-mlops simulate`. Each test has a temp directory of its own: os.tmpdir() in this
 * process (jest's process.env is a copy, so TMPDIR cannot be set here), TMPDIR for a CLI.
 */
const ROOT = join(__dirname, '../..');
const CONFIG = join(ROOT, 'config/local.yml');

/** What is left in `dir` (tsx's compile cache `tsx-<uid>` included: the CLI keeps none there). */
const leftIn = (dir: string) => readdirSync(dir);

describe('local mode leaves no temp files', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(os.tmpdir(), 'cleanup-'));
    jest.spyOn(os, 'tmpdir').mockReturnValue(dir);
  });
  afterEach(() => {
    jest.restoreAllMocks();
    rmSync(dir, { recursive: true, force: true });
  });

  it('after a run that succeeds and one that fails', async () => {
    const ok = await runSimulation({ approve: true });
    expect(ok.status).toBe('SUCCEEDED');
    expect(leftIn(dir)).toEqual([]);
    const failed = await runSimulation({ approve: true, compileFailure: 'ClientError: bad model' });
    expect(failed.status).toBe('FAILED');
    expect(leftIn(dir)).toEqual([]);
  });

  it('keeps the state only with --keep-state, in a temp directory it names', async () => {
    // Act
    const lines: string[] = [];
    const kept = await runSimulation(
      { approve: true, compileFailure: 'ClientError: bad model', keepState: true },
      (line) => lines.push(line),
    );
    // Assess
    expect(kept.status).toBe('FAILED');
    const left = leftIn(dir);
    expect(left).toEqual([expect.stringMatching(/^edge-mlops-state-/)]);
    expect(lines).toContain(
      `state kept in ${join(dir, left[0]!)} (--keep-state; remove it when done)`,
    );
    expect(readdirSync(join(dir, left[0]!)).sort()).toEqual(['functions.log', 's3']);
  });

  it('after an emulator is stopped, and after one that could not start', async () => {
    const config = loadStageConfig(CONFIG);
    const emulator = await Emulator.start({ config, configFile: CONFIG, clockFactor: 300 });
    let whileRunning: string[];
    try {
      whileRunning = leftIn(dir);
    } finally {
      await emulator.close();
    }
    expect(whileRunning).toEqual([expect.stringMatching(/^edge-mlops-emulator-/)]);
    expect(leftIn(dir)).toEqual([]);

    const broken = readService();
    broken.functions.startPipeline!.module = 'functions/start-pipeline/no-such-handler';
    await expect(Emulator.start({ config, configFile: CONFIG, service: broken })).rejects.toThrow(
      /no-such-handler/,
    );
    expect(leftIn(dir)).toEqual([]);
  });

  it('after an emulator whose port is taken, which says so', async () => {
    // Prepare: something else listens on the port.
    const busy = createServer();
    await new Promise<void>((ok) => busy.listen(0, '127.0.0.1', ok));
    const { port } = busy.address() as AddressInfo;
    try {
      // Act
      const start = Emulator.start({
        config: loadStageConfig(CONFIG),
        configFile: CONFIG,
        port,
      });
      // Assess
      await expect(start).rejects.toMatchObject({
        name: 'PortInUse',
        message: `port ${port} on 127.0.0.1 is already in use: choose another (--port), or stop what listens there`,
      });
      expect(leftIn(dir)).toEqual([]);
    } finally {
      busy.close();
    }
  });

  it('after `edge-mlops simulate` is stopped by SIGTERM in the middle of a run', async () => {
    const child = spawn(
      process.execPath,
      [join(ROOT, 'cli/bin/edge-mlops.mjs'), 'simulate', '--approve', '--timeout', '120'],
      { cwd: ROOT, env: { ...process.env, TMPDIR: dir }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    // Until the pipeline is running: the emulator and its workers are up.
    await until(
      'the first state of the pipeline',
      () => (stderr.includes('→ ') || child.exitCode !== null ? true : undefined),
      200_000,
    );
    expect(child.exitCode).toBeNull();
    expect(leftIn(dir)).not.toEqual([]);
    child.kill('SIGTERM');
    expect(await exited).toBe(143);
    expect(stderr).toContain('edge-mlops: interrupted by SIGTERM');
    expect(leftIn(dir)).toEqual([]);
  });

  it('after `edge-mlops emulator` is stopped by SIGTERM as soon as it listens', async () => {
    const child = spawn(
      process.execPath,
      [join(ROOT, 'cli/bin/edge-mlops.mjs'), 'emulator', '--port', '0'],
      {
        cwd: ROOT,
        env: { ...process.env, TMPDIR: dir },
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    let stdout = '';
    // At once: the signal may arrive before the next line of the CLI runs.
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('edge-mlops emulator listening on')) child.kill('SIGTERM');
    });
    expect(await exited).toBe(0);
    expect(stdout).toContain('edge-mlops emulator listening on');
    expect(leftIn(dir)).toEqual([]);
  });
});

describe('a closed emulator holds nothing open', () => {
  /** Timers that keep the process alive (unref'd ones are not listed). */
  const liveTimers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

  it('after it is closed while an execution waits at its approval', async () => {
    // Prepare: the sample release waits at its approval (a task token and the interpreter's task timer).
    const emulator = await startLocalEmulator();
    const before = liveTimers();
    const control = controlOf(emulator.url);
    try {
      const event = JSON.parse(
        readFileSync(join(ROOT, 'events/model-package-approved.json'), 'utf8'),
      );
      await control('seed', { event });
      await control('deliver', { event, times: 1 });
      await until(
        'the approval e-mails',
        () => emulator.world.sns.find((m) => m.message.includes('passed')),
        120_000,
      );
    } finally {
      // Act
      await emulator.close();
    }
    // Assess: nothing of the stopped execution keeps the process (jest would wait on it).
    // A short grace lets sockets of the last calls finish closing; a leaked task timer of
    // the interpreter lives up to 60 s, and the approval's token until its timeout.
    await until(
      `no more than the ${before} live timers from before the execution`,
      () => (liveTimers() <= before ? true : undefined),
      5_000,
    );
  }, 180_000);
});
