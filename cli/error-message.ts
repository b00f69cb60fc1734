/** Where a newcomer starts the local emulator: `edge-mlops emulator`'s default port. */
const LOCAL = 'start one (edge-mlops emulator) and give --endpoint http://127.0.0.1:4566';

/** The port of an endpoint URL (the scheme's default when it names none). */
const portOf = (url: string) => {
  try {
    const { port, protocol } = new URL(url);
    return port || (protocol === 'https:' ? '443' : '80');
  } catch {
    return '<port>';
  }
};

/**
 * The one line a person reads when a command fails: our own errors as they are; an endpoint
 * that does not answer named (the URL the command used: `--endpoint`, else
 * AWS_ENDPOINT_URL, else the AWS host) with what to do about it; missing AWS credentials with
 * how to give them or use the emulator; anything else with its name. Never a stack trace.
 */
export const errorMessage = (
  error: Error & { code?: string; cause?: unknown },
  env: NodeJS.ProcessEnv = process.env,
  given: { endpoint?: string; simulate?: boolean } = {},
): string => {
  const endpointFlag = given.endpoint;
  if (['ConfigError', 'CliError', 'Interrupted', 'PortInUse'].includes(error.name))
    return error.message;
  const network = [error, error.cause].find(
    (e): e is Error & { code?: string; address?: string; port?: number; hostname?: string } =>
      typeof e === 'object' &&
      e !== null &&
      ['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ECONNRESET', 'ETIMEDOUT'].includes(
        (e as { code?: string }).code ?? '',
      ),
  );
  if (network) {
    const code = network.code;
    if (endpointFlag)
      return `cannot reach ${endpointFlag} (${code}): start the local emulator there (edge-mlops emulator --port ${portOf(endpointFlag)}), or leave out --endpoint ${given.simulate ? 'and simulate starts its own' : 'to use AWS'}`;
    const fromEnv = env.AWS_ENDPOINT_URL;
    if (fromEnv)
      return `cannot reach ${fromEnv} (${code}): AWS_ENDPOINT_URL is ${fromEnv}: start the local emulator there (edge-mlops emulator --port ${portOf(fromEnv)}), or unset AWS_ENDPOINT_URL to use AWS`;
    const host =
      network.hostname ??
      (network.address !== undefined
        ? `${network.address}${network.port !== undefined ? `:${network.port}` : ''}`
        : 'the AWS endpoint');
    return `cannot reach ${host} (${code}): check the network and the region (--region or AWS_REGION); for the local emulator instead, ${LOCAL}`;
  }
  if (error.name === 'ExecutionDoesNotExist') {
    const arn = /'(arn:[^']+)'/.exec(error.message)?.[1];
    const [machine, name] = arn ? arn.split(':').slice(-2) : [];
    if (machine && name)
      return `no execution ${name} on ${machine}: edge-mlops executions list --since 30d shows the names (rollbacks of rejected versions are named rollback-…)`;
  }
  if (error.name === 'CredentialsProviderError')
    return `no AWS credentials found (${error.message}): configure them (aws configure, AWS_PROFILE or --profile), or use the local emulator: ${LOCAL}`;
  return `${error.name}: ${error.message}`;
};

/**
 * The value of `--endpoint` on a command line (`--endpoint URL` or `--endpoint=URL`), and
 * whether the command is simulate (which starts an emulator of its own without one).
 */
export const endpointFlagOf = (
  argv: readonly string[],
): { endpoint?: string; simulate: boolean } => {
  const simulate = argv[2] === 'simulate';
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--endpoint') return { endpoint: argv[i + 1], simulate };
    if (arg.startsWith('--endpoint='))
      return { endpoint: arg.slice('--endpoint='.length), simulate };
  }
  return { simulate };
};
