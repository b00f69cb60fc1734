/**
 * The one place that reads `process.env`. Handlers call these at module load, so a
 * missing variable fails the Lambda at INIT, visibly, instead of at 3 a.m. mid-run.
 */
export const requiredEnv = (name: string): string => {
  const value = process.env[name];
  if (value === undefined || value.trim() === '') {
    throw new Error(`missing required environment variable ${name}`);
  }
  return value;
};

export const optionalEnv = (name: string): string | undefined => {
  const value = process.env[name];
  return value === undefined || value.trim() === '' ? undefined : value;
};
