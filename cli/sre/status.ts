import type { ExecutionStatus } from '@aws-sdk/client-sfn';

export const STATUSES = ['FAILED', 'TIMED_OUT', 'ABORTED', 'RUNNING', 'SUCCEEDED'];

/** An execution status given in any case (`failed` is FAILED); undefined when unknown. */
export const statusOf = (v: string): ExecutionStatus | undefined => {
  const status = v.toUpperCase();
  return STATUSES.includes(status) ? (status as ExecutionStatus) : undefined;
};
