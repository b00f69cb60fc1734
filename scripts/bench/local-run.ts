import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
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

type Run = {
  ms: number;
  rssMb: number;
  /** User + system CPU time of the process, every thread included. */
  cpuMs: number;
  ok: boolean;
  out: string;
  err: string;
};

/** Runs the CLI with `args` until it exits (or until `ready` appears on stdout, then SIGTERM). */
export const runCli = (
  args: string[],
  env: NodeJS.ProcessEnv,
  ready?: string,
  timeoutMs = 300_000,
) =>
  new Promise<Run>((resolve) => {
    const dir = mkdtempSync(join(tmpdir(), 'edge-mlops-bench-rss-'));
    const rssFile = join(dir, 'usage.json');
    // Written by the child as it exits: getrusage's peak RSS and CPU time cover every worker thread.
    const hook = join(dir, 'report-rss.cjs');
    writeFileSync(
      hook,
      `process.on('exit', () => { const u = process.resourceUsage(); require('node:fs').writeFileSync(${JSON.stringify(rssFile)}, JSON.stringify({ maxRSS: u.maxRSS, cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000 })); });\n`,
    );
    const started = performance.now();
    let readyAt: number | undefined;
    const child = spawn(process.execPath, ['--require', hook, CLI, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
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
      let usage = { maxRSS: 0, cpuMs: 0 };
      try {
        usage = JSON.parse(readFileSync(rssFile, 'utf8'));
      } catch {
        // Killed before it could report.
      }
      rmSync(dir, { recursive: true, force: true });
      resolve({
        ms,
        rssMb: usage.maxRSS / 1024,
        cpuMs: usage.cpuMs,
        ok: ready ? readyAt !== undefined : code === 0,
        out,
        err,
      });
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
    // The run's own count (cli/simulate/summary.ts): how many invocations loaded their function.
    const loads = subject.map((r) =>
      /^Function invocations: (\d+) \((\d+) cold starts\)$/m.exec(r.err)?.slice(1).map(Number),
    );
    const cpuMs = round(median(subject.map((r) => r.cpuMs)));
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
      cpuMs,
      emulatorCpuMs: round(median(baseline.map((r) => r.cpuMs))),
      cores: availableParallelism(),
      invocations: median(loads.map((l) => l?.[0] ?? 0)),
      coldStarts: median(loads.map((l) => l?.[1] ?? 0)),
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
| CPU time, every thread (median) | ${r.cpuMs} ms | | emulator alone ${r.emulatorCpuMs} ms | ${round(r.cpuMs / r.emulatorCpuMs, 2)}× | |
| CPU time ÷ ${r.cores} cores: the least wall time this work can take here | ${round(r.cpuMs / r.cores)} ms | ≤ ${P4_TARGETS.wallTimeMs} ms | | | ${verdict(round(r.cpuMs / r.cores), P4_TARGETS.wallTimeMs, 'ms')} |
| function invocations (cold starts among them) | ${r.invocations} (${r.coldStarts}) | | | | |

Why the target is missed, where it is: the wall time cannot fall below the CPU time of the run
spread over the machine's cores, and that floor is in the table. The virtual waits of the
pipeline (Neo compiles, device deployments, rollout waves) cost almost nothing: the time warp
jumps the clock to the next timer whenever the emulator is idle (docs/local-mode.md, "Time
warp"). The CPU goes to real work. A profile of one run (\`node --cpu-prof\`, main thread and
every worker) put it in three places:
- **starting the CLI and the emulator** (the baseline row): loading the CLI's cached bundle and
  its dependencies (the AWS SDK, dynalite, the IAM simulator) and provisioning the stack;
- **the functions' cold starts**: each of the ${r.coldStarts} loads starts a worker thread (about 40 ms) and
  runs its bundle's module code (the SDK clients, 100–200 ms; see the cold-start table), with the
  code cache kept beside the bundle (docs/local-mode.md, "Bundle cache and temp files") and source
  maps on as on Lambda;
- **the emulator answering the functions' AWS calls**: request parsing and response checks
  against the service models, IAM evaluation of every call, DynamoDB through dynalite.
Meeting ${P4_TARGETS.wallTimeMs} ms on ${r.cores} cores would need the run's CPU time cut to
${Math.round((100 * P4_TARGETS.wallTimeMs * r.cores) / r.cpuMs)} % of what it is, less what cannot overlap. That means giving up what
makes local mode trustworthy: one isolated worker per function (its own environment and SDK
clients, as on Lambda), real HTTP to a strict emulator, and IAM checks on every call. The run
loads functions ahead of their first invocation on the core that would otherwise wait
(docs/local-mode.md, measured there).
`;
