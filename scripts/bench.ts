import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Emulator } from '../emulator/emulator';
import { loadStageConfig } from '../functions/shared/stage-config/load';
import { burst } from './bench/burst';
import { coldStarts } from './bench/cold-starts';
import { endToEnd, transitionsOnly } from './bench/end-to-end';
import { fleetScaling } from './bench/fleet-scaling';
import { localRun } from './bench/local-run';
import { pollCost } from './bench/poll-cost';
import { machineFacts, renderReport } from './bench/render';
import { log } from './bench/stats';

/**
 * `npm run bench`: what edge-mlops costs, each figure beside a baseline measured in the same
 * run, written to docs/benchmarks.md and docs/benchmarks.json. Timings are medians; nothing
 * here is asserted by tests. One file per measure in scripts/bench/, rendered by render.ts.
 */
const ROOT = join(__dirname, '..');
const CONFIG = join(ROOT, 'config/local.yml');
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

/**
 * `npm run bench -- --only transitions|fleet`: one measure alone, printed as JSON (docs/
 * benchmarks.md is written only by a whole run, where every figure has its baseline).
 */
const onlyMeasure = async (measure: string) => {
  const measures: Record<string, () => Promise<unknown>> = {
    transitions: transitionsOnly,
    fleet: () => fleetScaling(log),
  };
  const run = measures[measure];
  if (!run)
    throw new Error(`--only takes one of ${Object.keys(measures).join(', ')}, not ${measure}`);
  console.log(JSON.stringify({ [measure]: await run() }, null, 2));
};

const main = async () => {
  const only = process.argv.indexOf('--only');
  if (only >= 0) {
    await onlyMeasure(process.argv[only + 1] ?? '');
    process.exit(0);
  }
  const startedAt = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'edge-mlops-bench-'));
  const emulator = await Emulator.start({ config: loadStageConfig(CONFIG), configFile: CONFIG });
  const inOneEmulator = await (async () => {
    try {
      return {
        functions: await coldStarts(emulator, dir),
        polls: await pollCost(emulator, RUNS),
        burst: await burst(emulator),
      };
    } finally {
      await emulator.close();
      rmSync(dir, { recursive: true, force: true });
    }
  })();
  const endToEndRuns = await endToEnd(RUNS);
  const localRuns = await localRun(RUNS, log);
  const fleets = await fleetScaling(log);
  const report = {
    machine: machineFacts(RUNS, startedAt),
    ...inOneEmulator,
    endToEnd: endToEndRuns,
    localRun: localRuns,
    fleetScaling: fleets,
  };
  writeFileSync(join(ROOT, 'docs/benchmarks.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(ROOT, 'docs/benchmarks.md'), renderReport(report));
  log(`done in ${report.machine.benchSeconds} s: docs/benchmarks.md, docs/benchmarks.json`);
  process.exit(0);
};

void main().catch((error) => {
  console.error(error);
  process.exit(1);
});
