import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, round } from './stats';

/**
 * P4: `npm start` as a user runs it — the CLI in a process of its own — timed from spawn to
 * exit, with the process's peak RSS (worker threads included) and the files it leaves in its
 * temp directory. Baseline: the same CLI starting the emulator alone (`edge-mlops emulator`,
 * until it listens). Bundles come from a cache of the benchmark's own, built by a first run
 * that is reported separately; later runs are "after the first build".
 */
const ROOT = join(__dirname, '../..');
const CLI = join(ROOT, 'cli/bin/edge-mlops.mjs');

export const P4_TARGETS = { wallTimeMs: 3000, peakRssMb: 600, tempFilesLeft: 0 };

type Run = { ms: number; rssMb: number; ok: boolean; out: string };

/** Runs the CLI with `args` until it exits (or until `ready` appears on stdout, then SIGTERM). */
export const runCli = (
  args: string[],
  env: NodeJS.ProcessEnv,
  ready?: string,
  timeoutMs = 300_000,
) =>
  new Promise<Run>((resolve) => {
    const dir = mkdtempSync(join(tmpdir(), 'edge-mlops-bench-rss-'));
    const rssFile = join(dir, 'maxrss');
    // Written by the child as it exits: getrusage's peak RSS covers every worker thread.
    const hook = join(dir, 'report-rss.cjs');
    writeFileSync(
      hook,
      `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(rssFile)}, String(process.resourceUsage().maxRSS)));\n`,
    );
    const started = performance.now();
    let readyAt: number | undefined;
    const child = spawn(process.execPath, ['--require', hook, CLI, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (ready && readyAt === undefined && out.includes(ready)) {
        readyAt = performance.now();
        child.kill('SIGTERM');
      }
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const ms = (readyAt ?? performance.now()) - started;
      let rssKb = 0;
      try {
        rssKb = Number(readFileSync(rssFile, 'utf8'));
      } catch {
        // Killed before it could report.
      }
      rmSync(dir, { recursive: true, force: true });
      resolve({ ms, rssMb: rssKb / 1024, ok: ready ? readyAt !== undefined : code === 0, out });
    });
  });

export const localRun = async (runs: number, log: (line: string) => void) => {
  const cacheDir = mkdtempSync(join(tmpdir(), 'edge-mlops-bench-cache-'));
  // One temp directory for every run: tsx's compile cache in it stays warm, as for a user.
  const temp = mkdtempSync(join(tmpdir(), 'edge-mlops-bench-tmp-'));
  const env = { EDGE_MLOPS_CACHE_DIR: cacheDir, TMPDIR: temp };
  const npmStart = ['simulate', '--auto-approve-without-tty'];
  try {
    const first = await runCli(npmStart, env);
    log(`P4 first run (builds the bundles): ${round(first.ms)} ms`);
    const subject: Run[] = [];
    const baseline: Run[] = [];
    // Interleaved, so a change in machine load hits both alike.
    for (let i = 0; i < runs; i++) {
      subject.push(await runCli(npmStart, env));
      baseline.push(
        await runCli(['emulator', '--port', '0'], env, 'edge-mlops emulator listening on'),
      );
      log(
        `P4 run ${i + 1}: npm start ${round(subject[i]!.ms)} ms, ${round(subject[i]!.rssMb)} MiB; emulator alone ${round(baseline[i]!.ms)} ms`,
      );
    }
    const left = readdirSync(temp).filter((f) => !/^tsx-\d+$/.test(f));
    const wallTimeMs = round(median(subject.map((r) => r.ms)));
    const emulatorStartMs = round(median(baseline.map((r) => r.ms)));
    return {
      firstRunMs: round(first.ms),
      wallTimeMs,
      wallTimeSpreadMs: [
        round(Math.min(...subject.map((r) => r.ms))),
        round(Math.max(...subject.map((r) => r.ms))),
      ],
      emulatorStartMs,
      ratio: round(wallTimeMs / emulatorStartMs, 2),
      peakRssMb: round(Math.max(...subject.map((r) => r.rssMb))),
      emulatorRssMb: round(Math.max(...baseline.map((r) => r.rssMb))),
      runsSucceeded: subject.filter((r) => r.ok).length,
      runs,
      tempFilesLeft: left.length,
      tempLeft: left,
    };
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
    rmSync(temp, { recursive: true, force: true });
  }
};

export type LocalRun = Awaited<ReturnType<typeof localRun>>;

const verdict = (value: number, target: number, unit: string) =>
  value <= target ? 'met' : `missed by ${round(value - target)} ${unit}`;

/** The P4 section of docs/benchmarks.md. */
export const localRunSection = (r: LocalRun) => `## P4: \`npm start\` after the first build
\`edge-mlops simulate --auto-approve-without-tty\` in a process of its own, from spawn to exit
(${r.runsSucceeded} of ${r.runs} runs succeeded), interleaved with the baseline: the same CLI
starting the emulator alone (\`edge-mlops emulator\`, until it listens). Bundles come from the
content-hash cache (docs/local-mode.md, "Bundle cache and temp files"); the first run, which
builds them, took ${r.firstRunMs} ms. Peak RSS is the process's (every function's worker thread
included), read with getrusage at exit.

| Measure | Value | Target | Baseline | Ratio | Verdict |
|---|---:|---:|---:|---:|---|
| wall time (median; min–max) | ${r.wallTimeMs} ms (${r.wallTimeSpreadMs[0]}–${r.wallTimeSpreadMs[1]}) | ≤ ${P4_TARGETS.wallTimeMs} ms | emulator alone ${r.emulatorStartMs} ms | ${r.ratio}× | ${verdict(r.wallTimeMs, P4_TARGETS.wallTimeMs, 'ms')} |
| peak RSS | ${r.peakRssMb} MiB | ≤ ${P4_TARGETS.peakRssMb} MiB | emulator alone ${r.emulatorRssMb} MiB | ${round(r.peakRssMb / r.emulatorRssMb, 2)}× | ${verdict(r.peakRssMb, P4_TARGETS.peakRssMb, 'MiB')} |
| files left in the temp directory | ${r.tempFilesLeft}${r.tempLeft.length ? ` (${r.tempLeft.join(', ')})` : ''} | 0 | | | ${verdict(r.tempFilesLeft, 0, 'files')} |

Where the wall time goes once bundling is cached: the virtual waits of the pipeline (Neo
compiles, device deployments, rollout waves) cost almost nothing since the time warp jumps the
clock to the next timer whenever the emulator is idle (docs/local-mode.md, "Time warp"). What
remains is real work: starting the CLI and the emulator (the baseline), the functions' cold starts
(about 20 functions, each loading its bundle and SDK clients, 100–200 ms of CPU, see the
cold-start table; with three kept warm, about 23 loads a run; loading them ahead as the state
machine says what comes next cost more than it saved on two cores, so it is off), and the
functions' AWS calls against the emulator (DynamoDB through dynalite, IAM evaluation). On a
loaded 2-core machine cold starts take several times their CPU time.
`;
