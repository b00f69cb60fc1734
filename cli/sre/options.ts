import { type Command, InvalidArgumentError } from 'commander';
import { STATUSES, statusOf } from './status';

/**
 * The options every SRE command shares, declared once: where AWS is (region, profile,
 * endpoint), which stage, and JSON for scripts. Each command adds only what is its own.
 */
export type CommonOptions = {
  region?: string;
  profile?: string;
  endpoint?: string;
  stage?: string;
  stateMachineArn?: string;
  json?: boolean;
};

/** SDK client configuration: the emulator (--endpoint / AWS_ENDPOINT_URL) or AWS. */
export const clientConfig = (o: CommonOptions) => {
  if (o.profile) process.env.AWS_PROFILE = o.profile;
  const endpoint = o.endpoint ?? process.env.AWS_ENDPOINT_URL;
  const local = Boolean(endpoint) && !process.env.AWS_ACCESS_KEY_ID && !o.profile;
  return {
    region: o.region ?? process.env.AWS_REGION ?? 'us-east-1',
    ...(o.endpoint ? { endpoint: o.endpoint } : {}),
    ...(local ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
  };
};

/** The stage: given, or `local` against an emulator, else `dev`. */
export const stageOf = (o: CommonOptions) =>
  o.stage ?? ((o.endpoint ?? process.env.AWS_ENDPOINT_URL) ? 'local' : 'dev');

/** Adds the shared options to a command. */
export const withCommonOptions = (cmd: Command) =>
  cmd
    .option('--region <region>', 'AWS region (default: AWS_REGION or us-east-1)')
    .option('--profile <profile>', 'AWS named profile')
    .option('--endpoint <url>', 'AWS endpoint, e.g. the local emulator (default: AWS_ENDPOINT_URL)')
    .option('--stage <stage>', 'edge-mlops stage (default: local with an endpoint, else dev)')
    .option(
      '--state-machine-arn <arn>',
      'the edge-deployment state machine (default: found by stage)',
    )
    .option('--json', 'print JSON for scripts');

export const parseStatus = (v: string) => {
  const status = statusOf(v);
  if (!status) throw new InvalidArgumentError(`one of ${STATUSES.join(', ')} (any case)`);
  return status;
};

/** Results go to stdout (tables or JSON); prompts and progress to stderr. */
export const out = (line = '') => process.stdout.write(`${line}\n`);
export const err = (line: string) => process.stderr.write(`${line}\n`);

/** Commands that read the state table: where it is (default: found by stage). */
export const withTableOption = (cmd: Command) =>
  cmd.option('--table <name>', 'the state table (default: found by stage)');

/** `90s`, `41m`, `1.5h`: a duration for tables. */
export const duration = (s?: number) =>
  s === undefined
    ? ''
    : s < 120
      ? `${s}s`
      : s < 7200
        ? `${Math.round(s / 60)}m`
        : `${(s / 3600).toFixed(1)}h`;
