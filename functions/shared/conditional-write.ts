import { classifyAwsError, isAwsError } from './errors';

/**
 * Runs one conditional DynamoDB write (`send`): true when it was applied, false when its
 * condition did not hold (the caller decides what that means: busy, already done, a newer
 * record); any other failure is classified as `doing` (transient ones are retried).
 */
export const writeIf = async (send: () => Promise<unknown>, doing: string): Promise<boolean> => {
  try {
    await send();
    return true;
  } catch (error) {
    if (isAwsError(error, 'ConditionalCheckFailedException')) return false;
    throw classifyAwsError(error, doing);
  }
};
