import { InvalidInput } from './errors';
import * as z from './zod-mini';

/** `modelGroups.detector.fleets[0].waves[1].abort` from a zod issue path. */
export const formatPath = (path: readonly PropertyKey[]): string =>
  path
    .map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i === 0 ? '' : '.'}${String(key)}`))
    .join('') || '(top level)';

/**
 * Checks a task input against its schema. A mismatch is a permanent `InvalidInput`
 * naming the first bad field: retrying the same input cannot help.
 */
export const parseInput = <S extends z.ZodMiniType>(schema: S, input: unknown): z.output<S> => {
  const result = z.safeParse(schema, input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new InvalidInput(`invalid task input at ${formatPath(issue.path)}: ${issue.message}`);
};
