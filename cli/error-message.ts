/**
 * The one line a person reads when a command fails: our own errors as they are; an endpoint
 * that does not answer named with what to do about it; anything else with its name. Never a
 * stack trace.
 */
export const errorMessage = (
  error: Error & { code?: string; cause?: unknown },
  env: NodeJS.ProcessEnv = process.env,
): string => {
  if (['ConfigError', 'CliError', 'Interrupted', 'PortInUse'].includes(error.name))
    return error.message;
  const network = [error, error.cause].find(
    (e): e is Error & { code?: string; address?: string; port?: number } =>
      typeof e === 'object' &&
      e !== null &&
      ['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ECONNRESET'].includes(
        (e as { code?: string }).code ?? '',
      ),
  );
  if (network) {
    const where =
      network.address !== undefined
        ? `${network.address}${network.port !== undefined ? `:${network.port}` : ''}`
        : (env.AWS_ENDPOINT_URL ?? 'the AWS endpoint');
    const hint = env.AWS_ENDPOINT_URL
      ? `AWS_ENDPOINT_URL is ${env.AWS_ENDPOINT_URL}: start the local emulator there (edge-mlops emulator --port <port>), or unset AWS_ENDPOINT_URL to use AWS`
      : 'with --endpoint, start the local emulator first (edge-mlops emulator --port <port>); without it, check the network and the region';
    return `cannot reach ${where} (${network.code}). ${hint}`;
  }
  return `${error.name}: ${error.message}`;
};
