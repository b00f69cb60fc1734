import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './local-run';

/**
 * Issue #19 and P6: a whole local release (`simulate --approve --json --fleet-size N`, every
 * production thing group N devices) at growing fleet sizes, each in a process of its own:
 * AWS calls, state transitions, wall time and peak RSS, as ratios to the 10-device run.
 * Sizes from BENCH_FLEET_SIZES (comma-separated; default 10,2000,20000,100000), after an untimed
 * run that builds the bundles every size then reuses. Every size
 * runs config/local.yml with a 2-day wave timeout: 100,000 devices at 100 a minute take about
 * 17 hours, past the default 4 hours (a timed-out wave is aborted, as it should be).
 */
const LONG_WAVES = (text: string) =>
  text.replace(/^( +)abort: (\{[^\n]*\})$/gm, '$1abort: $2\n$1waveTimeoutMinutes: 2880');
export const FLEET_TARGETS = {
  // calls and transitions: ≤ 1.5× at 2,000 devices, ≤ 2× at 20,000 and 100,000 (#19)
  calls: (devices: number) => (devices <= 2000 ? 1.5 : 2),
  // P6: 100,000 devices in ≤ 5× the wall time and ≤ 2× the RSS of the 10-device run
  wall: 5,
  rss: 2,
};

type Row = {
  devices: number;
  status: string;
  awsCalls?: number;
  stateTransitions?: number;
  wallMs: number;
  peakRssMb: number;
};

export const fleetScaling = async (log: (line: string) => void) => {
  const sizes = (process.env.BENCH_FLEET_SIZES ?? '10,2000,20000,100000')
    .split(',')
    .map(Number)
    .filter((n) => n > 0);
  const cacheDir = mkdtempSync(join(tmpdir(), 'edge-mlops-bench-cache-'));
  const configDir = mkdtempSync(join(tmpdir(), 'edge-mlops-bench-fleet-config-'));
  const config = join(configDir, 'local.yml');
  writeFileSync(
    config,
    LONG_WAVES(readFileSync(join(__dirname, '../../config/local.yml'), 'utf8')),
  );
  const rows: Row[] = [];
  const simulate = (devices: number) =>
    runCli(
      [
        'simulate',
        '--approve',
        '--json',
        '--config',
        config,
        '--fleet-size',
        String(devices),
        '--timeout',
        '3600',
      ],
      { EDGE_MLOPS_CACHE_DIR: cacheDir },
      undefined,
      3_600_000,
    );
  try {
    // An untimed first run builds the bundles: the baseline must not carry the build alone.
    await simulate(sizes[0] ?? 10);
    for (const devices of sizes) {
      const run = await simulate(devices);
      let summary: { status?: string; awsCallsTotal?: number; stateTransitions?: number } = {};
      try {
        summary = JSON.parse(run.out);
      } catch {
        summary = { status: run.ok ? 'UNREADABLE' : 'DID NOT FINISH' };
      }
      rows.push({
        devices,
        status: summary.status ?? 'UNKNOWN',
        awsCalls: summary.awsCallsTotal,
        stateTransitions: summary.stateTransitions,
        wallMs: Math.round(run.ms),
        peakRssMb: Math.round(run.rssMb),
      });
      log(
        `fleet of ${devices}: ${summary.status}, ${summary.awsCallsTotal} calls, ${summary.stateTransitions} transitions, ${Math.round(run.ms)} ms, ${Math.round(run.rssMb)} MiB`,
      );
    }
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
    rmSync(configDir, { recursive: true, force: true });
  }
  return rows;
};

const ratio = (x: number | undefined, base: number | undefined) =>
  x !== undefined && base ? Math.round((x / base) * 100) / 100 : undefined;

/** The section of docs/benchmarks.md. */
export const fleetScalingSection = (rows: Row[], remeasured?: { date: string; commit: string }) => {
  const base = rows[0];
  const line = (r: Row) => {
    const calls = ratio(r.awsCalls, base?.awsCalls);
    const transitions = ratio(r.stateTransitions, base?.stateTransitions);
    const wall = ratio(r.wallMs, base?.wallMs);
    const rss = ratio(r.peakRssMb, base?.peakRssMb);
    const target = FLEET_TARGETS.calls(r.devices);
    const verdict = (x: number | undefined, t: number) =>
      x === undefined ? 'not measured' : x <= t ? 'met' : `missed (${x}× > ${t}×)`;
    return `| ${r.devices.toLocaleString('en')} | ${r.status} | ${r.awsCalls ?? '–'} (${calls ?? '–'}×) | ${r.stateTransitions ?? '–'} (${transitions ?? '–'}×) | ${verdict(calls, target)}; ${verdict(transitions, target)} | ${r.wallMs} ms (${wall ?? '–'}×) | ${r.peakRssMb} MiB (${rss ?? '–'}×) |`;
  };
  const largest = rows.at(-1);
  const wallRatio = ratio(largest?.wallMs, base?.wallMs);
  const rssRatio = ratio(largest?.peakRssMb, base?.peakRssMb);
  return `## Fleet size: a whole local release at 10 to ${largest?.devices.toLocaleString('en')} devices per group
\`edge-mlops simulate --approve --json --fleet-size N\` in a process of its own; every production
thing group has N devices, rolled out at its configured rate (config/local.yml, with 2-day
wave timeouts so that 100,000 devices at 100 a minute can finish). Waits follow the
waves' own progress and rollout rate (docs/fleet-rollout.md), so polls grow with the log of a
wave's duration.
Baseline: the ${base?.devices}-device run. Targets (#19): AWS calls and state transitions ≤ 1.5× at
2,000 devices and ≤ 2× beyond; P6: the largest fleet in ≤ ${FLEET_TARGETS.wall}× the wall time and ≤ ${FLEET_TARGETS.rss}× the
RSS of the baseline.${remeasured ? `\nMeasured again alone by \`npm run bench -- --only fleet\` on ${remeasured.date} (commit ${remeasured.commit}),\nafter the rest of this report.` : ''}

| Devices per group | Result | AWS calls | State transitions | #19 target | Wall time | Peak RSS |
|---:|---|---:|---:|---|---:|---:|
${rows.map(line).join('\n')}

P6 at ${largest?.devices.toLocaleString('en')} devices: wall time ${wallRatio ?? '–'}× (target ≤ ${FLEET_TARGETS.wall}×: ${wallRatio !== undefined && wallRatio <= FLEET_TARGETS.wall ? 'met' : 'missed'}), peak RSS ${rssRatio ?? '–'}× (target ≤ ${FLEET_TARGETS.rss}×: ${rssRatio !== undefined && rssRatio <= FLEET_TARGETS.rss ? 'met' : 'missed'}).

What the figures rest on: a wave of 20,000 devices at 100 a minute lasts 200 minutes, one of
100,000 about 17 hours. Each poll waits a fraction of the time the wave's progress and rollout
rate say is left, so polls grow with the log of that duration, up to the poll ceiling
(\`pollCeilingSeconds\`, 6 hours by default), and a wave's end is seen within the poll floor.
The ceiling can be that high because an abort by IoT itself wakes the waiting wave through
its job event instead of waiting for a poll (docs/fleet-rollout.md). The emulator holds a
group's devices in cohorts (docs/local-mode.md, "Fleets of any size, in cohorts"): a status
read costs the same at every size and no device is held until something asks about it alone,
so the RSS stays flat; the time warp skips the rollout's virtual waits, so the wall time does
too. Transition and call counts vary by a few
from run to run: real CPU time counts as virtual time between the warp's jumps.
`;
};

export type FleetScaling = Awaited<ReturnType<typeof fleetScaling>>;
