import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Emulator } from '../emulator/emulator';
import { readService } from '../emulator/serverless-service';
import { loadStageConfig } from '../functions/shared/stage-config/load';
import { burst } from './bench/burst';
import { coldStartSection, coldStarts } from './bench/cold-starts';
import { endToEnd, transitionsOnly } from './bench/end-to-end';
import { fleetScaling, fleetScalingSection } from './bench/fleet-scaling';
import { localRun, localRunSection } from './bench/local-run';
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
 * `npm run bench -- --only <measure>`: one measure alone, printed to stdout as its section of
 * docs/benchmarks.md and as JSON; docs/benchmarks.md and .json are written only by a whole run.
 * `--only fleet [--fleet-sizes 10,2000]`: the whole-release fleet-size measure;
 * `--only p4`: `npm start` after the first build; `--only transitions`: state transitions;
 * `--only coldstart [--functions checkDeployment,rollBackFleet]`: bundle size and cold start
 * of every function, or of the named ones (BENCH_COLD_SAMPLES sets the pairs: 20 by default, at least 10).
 */
const flag = (name: string) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
};

const MEASURES: Record<string, () => Promise<string>> = {
  fleet: async () => {
    const sizes = flag('--fleet-sizes');
    if (sizes !== undefined) process.env.BENCH_FLEET_SIZES = sizes;
    const rows = await fleetScaling(log);
    return `${JSON.stringify(rows, null, 2)}\n\n${fleetScalingSection(rows)}`;
  },
  coldstart: async () => {
    const functions = flag('--functions')
      ?.split(',')
      .map((key) => key.trim())
      .filter(Boolean);
    const declared = Object.keys(readService(ROOT).functions);
    const unknown = (functions ?? []).filter((key) => !declared.includes(key));
    if (unknown.length) {
      console.error(
        `--functions: no function ${unknown.join(', ')} in serverless.yml; its functions are ${declared.join(', ')}`,
      );
      process.exit(2);
    }
    const dir = mkdtempSync(join(tmpdir(), 'edge-mlops-bench-'));
    const emulator = await Emulator.start({ config: loadStageConfig(CONFIG), configFile: CONFIG });
    try {
      const rows = await coldStarts(emulator, dir, functions);
      return `${JSON.stringify(rows, null, 2)}\n\n${coldStartSection(rows)}`;
    } finally {
      await emulator.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
  transitions: async () => `${JSON.stringify(await transitionsOnly(), null, 2)}\n`,
  p4: async () => {
    const result = await localRun(RUNS, log);
    return `${localRunSection(result)}\n${JSON.stringify(result, null, 2)}\n`;
  },
};

const only = async (measure: string) => {
  const run = MEASURES[measure];
  if (!run) {
    console.error(
      `--only ${measure}: the measures run alone are ${Object.keys(MEASURES).join(', ')}`,
    );
    process.exit(2);
  }
  process.stdout.write(await run());
  process.exit(0);
};

const main = async () => {
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

const measure = flag('--only');
void (measure === undefined ? main() : only(measure)).catch((error) => {
  console.error(error);
  process.exit(1);
});
