/** What the CLI says before esbuild builds the function bundles (a cold cache: seconds of work). */
export const bundlingNotice = (functions: number) =>
  `building ${functions} function bundles with esbuild (kept by content: later runs reuse them)…`;
