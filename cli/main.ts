import { Command, InvalidArgumentError, Option } from 'commander';
import { Emulator } from '../emulator/emulator';
import { CLI_PREFETCH_FUNCTIONS, CLI_WARM_FUNCTIONS } from '../emulator/runtime/functions';
import { loadStageConfig } from '../functions/shared/stage-config/load';
import { bundlingNotice } from './bundling-notice';
import { registerDeviceCommands } from './devices/commands';
import { endpointFlagOf, errorMessage } from './error-message';
import * as values from './option-values';
import { formatSummary, simulate } from './simulate';
import { registerSreCommands } from './sre/commands';

/** The `edge-mlops` command line. Logs and progress go to stderr; `--json` results to stdout. */
const option =
  (parse: (value: string) => number) =>
  (value: string): number => {
    try {
      return parse(value);
    } catch (error) {
      throw new InvalidArgumentError((error as Error).message);
    }
  };
const rate = option(values.rate);
const count = option(values.count);
const positive = option(values.positive);
/** "MIN-MAX" in (virtual) seconds → [min, max] in milliseconds. */
const secondsRange = (value: string): [number, number] => {
  const m = /^(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)$/.exec(value);
  if (!m) throw new InvalidArgumentError('must be MIN-MAX in seconds, e.g. 20-90');
  const [min, max] = [Number(m[1]) * 1000, Number(m[2]) * 1000];
  if (min > max) throw new InvalidArgumentError('MIN must not exceed MAX');
  return [min, max];
};
/** Fleet flags of both commands (timing in virtual seconds, defaults in the help text). */
const fleetOptions = () => [
  new Option(
    '--offline-rate <x>',
    'share of fleet devices found offline when a deployment reaches them (their jobs stay QUEUED until they are back)',
  )
    .argParser(rate)
    .default(0),
  new Option(
    '--crash-after-start-rate <x>',
    'share of fleet devices whose new components crash after a successful deployment (BROKEN, device UNHEALTHY)',
  )
    .argParser(rate)
    .default(0),
  new Option(
    '--apply-time <min-max>',
    'virtual seconds a device takes to apply a deployment (default 20-90)',
  ).argParser(secondsRange),
  new Option(
    '--notify-latency <min-max>',
    "virtual seconds from an online device's turn in the rollout to its notification (default 0-0)",
  ).argParser(secondsRange),
  new Option(
    '--offline-time <min-max>',
    'virtual seconds a device found offline stays offline (default 600-14400)',
  ).argParser(secondsRange),
  new Option(
    '--crash-after <min-max>',
    'virtual seconds after a successful deployment until a crashing component is BROKEN (default 30-300)',
  ).argParser(secondsRange),
];
const withOptions = (command: Command, options: Option[]) => {
  for (const o of options) command.addOption(o);
  return command;
};
/** The fleet flags as Emulator.start / simulate name them (timing only when given). */
const fleetOf = (opts: Record<string, any>) => ({
  offlineRate: opts.offlineRate as number,
  crashAfterStartRate: opts.crashAfterStartRate as number,
  ...Object.fromEntries(
    Object.entries({
      applyMs: opts.applyTime,
      notifyLatencyMs: opts.notifyLatency,
      offlineMs: opts.offlineTime,
      crashAfterMs: opts.crashAfter,
    }).filter(([, v]) => v !== undefined),
  ),
});
/** Command-line option keys → SimulateOptions keys, where they differ. */
const GIVEN_NAMES: Record<string, string> = {
  timeout: 'timeoutSeconds',
  approvalClock: 'approvalClockFactor',
  applyTime: 'applyMs',
  notifyLatency: 'notifyLatencyMs',
  offlineTime: 'offlineMs',
  crashAfter: 'crashAfterMs',
};
const stderr = (line: string) => process.stderr.write(`${line}\n`);

const program = new Command()
  .name('edge-mlops')
  .description('Deliver SageMaker models to AWS IoT Greengrass fleets — local mode and SRE tools')
  .showHelpAfterError()
  .configureOutput({ writeErr: (s) => process.stderr.write(s) })
  // A usage error exits 2 (commander's own is 1, which the runbook keeps for "something you
  // asked for failed"); --help and --version exit 0. Subcommands inherit this.
  .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2));

withOptions(program.command('emulator'), fleetOptions())
  .description('run the local AWS emulator and simulated fleet until interrupted')
  .option('--port <n>', 'port on 127.0.0.1 (0 = any free port)', count, 4566)
  .option('--state-dir <dir>', 'where S3 objects are kept (default: a temp dir removed on exit)')
  .option('--config <file>', 'stage configuration to simulate', 'config/local.yml')
  .option('--fleet-size <n>', 'devices per production thing group', count, 5)
  .option('--device-failure-rate <x>', 'share of devices that fail a deployment', rate, 0)
  .option('--api-fault-rate <x>', 'share of API calls answered with throttling or 5xx', rate, 0)
  .option('--bad-model', 'the inference component answers wrong (twin tests fail)')
  .option(
    '--fail-operation <op...>',
    'simulate an outage: service.Operation answers 500 (e.g. greengrass.CreateDeployment)',
  )
  .option(
    '--lose-answer <op...>',
    'service.Operation acts, then answers 500 as if its answer were lost (e.g. sns.Publish)',
  )
  .option('--seed <s>', 'seed of every simulated random decision', 'edge-mlops')
  .option('--no-warp', 'no time warp: the simulated clock never jumps ahead while nothing runs')
  .action(async (opts) => {
    // Handlers first: a signal while the emulator starts (or right after it says it listens)
    // must still stop it and remove its temp directory.
    let interrupted = false;
    let stop = async () => {
      interrupted = true;
    };
    process.on('SIGINT', () => void stop());
    process.on('SIGTERM', () => void stop());
    const emulator = await Emulator.start({
      failingOperations: opts.failOperation ?? [],
      lostAnswerOperations: opts.loseAnswer ?? [],
      config: loadStageConfig(opts.config),
      configFile: opts.config,
      port: opts.port,
      stateDir: opts.stateDir,
      fleetSize: opts.fleetSize,
      deviceFailureRate: opts.deviceFailureRate,
      apiFaultRate: opts.apiFaultRate,
      fleet: fleetOf(opts),
      badModel: Boolean(opts.badModel),
      seed: opts.seed,
      warp: opts.warp,
      warmFunctions: CLI_WARM_FUNCTIONS,
      prefetchFunctions: CLI_PREFETCH_FUNCTIONS,
      logs: process.stderr,
      onBundling: (n) => process.stderr.write(`${bundlingNotice(n)}\n`),
    });
    stop = async () => {
      await emulator.close();
      process.exit(0);
    };
    if (interrupted) return stop();
    process.stdout.write(`edge-mlops emulator listening on ${emulator.url}\n`);
    process.stdout.write(
      `export AWS_ENDPOINT_URL=${emulator.url} AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local\n`,
    );
  });

withOptions(program.command('simulate'), fleetOptions())
  .description('run the pipeline end to end on the local emulator and print what happened')
  .option(
    '--event <file>',
    'model package state change event to deliver',
    'events/model-package-approved.json',
  )
  .option('--config <file>', 'stage configuration', 'config/local.yml')
  .addOption(
    new Option('--approve', 'approve on the approval page').conflicts([
      'reject',
      'approvalTimeout',
    ]),
  )
  .addOption(
    new Option('--reject', 'reject on the approval page').conflicts(['approve', 'approvalTimeout']),
  )
  .addOption(
    new Option('--approval-timeout', 'nobody decides: the approval times out').conflicts([
      'approve',
      'reject',
    ]),
  )
  .addOption(
    new Option(
      '--auto-approve-without-tty',
      'approve when stdin is not a terminal (npm start)',
    ).hideHelp(),
  )
  .option(
    '--approval-clock <factor>',
    'in a terminal, without --approve/--reject/--approval-timeout, simulated seconds per real second while the approval waits for you (default 1: real time); also keeps that wait with --device-failure-rate, --api-fault-rate, --duplicate-deliveries or --json, with which simulate otherwise approves on the page',
    positive,
  )
  .option('--fleet-size <n>', 'devices per production thing group', count, 5)
  .option('--device-failure-rate <x>', 'share of devices that fail a deployment', rate, 0)
  .option('--api-fault-rate <x>', 'share of API calls answered with throttling or 5xx', rate, 0)
  .option(
    '--duplicate-deliveries <n>',
    'deliver the same event N more times (at-least-once delivery)',
    count,
    0,
  )
  .option('--bad-model', 'the inference component answers wrong (twin tests fail)')
  .option('--compile-failure <reason>', 'every Neo compilation fails with this reason')
  .option(
    '--endpoint <url>',
    'use a running emulator (edge-mlops emulator) instead of starting one',
  )
  .option(
    '--state-dir <dir>',
    'where the embedded emulator keeps its files (default: a temp dir removed at the end)',
  )
  .option(
    '--keep-state',
    "keep the embedded emulator's state (S3 objects, functions.log) in a temp directory it names",
  )
  .option('--seed <s>', 'seed of every simulated random decision', 'edge-mlops')
  .option(
    '--timeout <seconds>',
    'give up after this many seconds (time spent waiting for your approval decision not counted)',
    count,
    300,
  )
  .option('--json', 'print the summary as one JSON object on stdout')
  .option(
    '--drift <x>',
    'after the release, the fleet captures data shifted by X (0-1): drift detection, retraining, its release',
    rate,
  )
  .option('--no-warp', 'no time warp: the simulated clock never jumps ahead while nothing runs')
  .action(async (opts, command: Command) => {
    const given = Object.keys(opts).filter((k) => command.getOptionValueSource(k) === 'cli');
    // Ctrl-C or SIGTERM ends the run cleanly: the embedded emulator stops and removes its temp
    // files before the process exits (128 + the signal's number); a second signal exits at once.
    const interrupted = new AbortController();
    const onSignal = (signal: NodeJS.Signals) => {
      const code = 128 + (signal === 'SIGINT' ? 2 : 15);
      if (interrupted.signal.aborted) process.exit(code);
      interrupted.abort(
        Object.assign(new Error(`interrupted by ${signal}; the local run was stopped`), {
          name: 'Interrupted',
          exitCode: code,
        }),
      );
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const summary = await simulate(
      {
        event: opts.event,
        config: opts.config,
        approve: opts.approve,
        reject: opts.reject,
        approvalTimeout: opts.approvalTimeout,
        autoApproveWithoutTty: opts.autoApproveWithoutTty,
        approvalClockFactor: opts.approvalClock,
        fleetSize: opts.fleetSize,
        deviceFailureRate: opts.deviceFailureRate,
        apiFaultRate: opts.apiFaultRate,
        ...fleetOf(opts),
        duplicateDeliveries: opts.duplicateDeliveries,
        endpoint: opts.endpoint,
        seed: opts.seed,
        json: opts.json,
        badModel: opts.badModel,
        compileFailure: opts.compileFailure,
        stateDir: opts.stateDir,
        keepState: opts.keepState,
        timeoutSeconds: opts.timeout,
        warp: opts.warp,
        given: given.map((k) => GIVEN_NAMES[k] ?? k),
        signal: interrupted.signal,
        ...(opts.drift === undefined ? {} : { drift: opts.drift }),
      },
      stderr,
    );
    if (opts.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
    else stderr(formatSummary(summary));
    process.exit(summary.status === 'SUCCEEDED' ? 0 : 1);
  });

registerSreCommands(program, (code) => process.exit(code));
registerDeviceCommands(program, (text) => process.stdout.write(text));

program.parseAsync(process.argv).catch((error: Error & { exitCode?: number }) => {
  stderr(`edge-mlops: ${errorMessage(error, process.env, endpointFlagOf(process.argv))}`);
  process.exit(error.name === 'Interrupted' ? (error.exitCode ?? 130) : 2);
});
