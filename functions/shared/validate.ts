import type { z } from 'zod';
import { InvalidInput } from './errors';
import { formatPath } from './stage-config/load';

/**
 * Checks a task input against its schema. A mismatch is a permanent `InvalidInput`
 * naming the first bad field: retrying the same input cannot help.
 */
export const parseInput = <S extends z.ZodType>(schema: S, input: unknown): z.output<S> => {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new InvalidInput(`invalid task input at ${formatPath(issue.path)}: ${issue.message}`);
};
