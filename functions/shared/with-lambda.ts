import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { correlate, logger } from './logger';

type Correlatable = {
  executionArn?: string;
  modelPackageArn?: string;
  plan?: { executionArn?: string; modelPackageArn?: string };
};

/** Picks correlation ids from a task input without trusting its shape. */
const correlationOf = (event: unknown): Correlatable => {
  if (typeof event !== 'object' || event === null) return {};
  const e = event as Correlatable;
  return {
    executionArn: e.executionArn ?? e.plan?.executionArn,
    modelPackageArn: e.modelPackageArn ?? e.plan?.modelPackageArn,
  };
};

/**
 * Wraps a task's core as a Lambda handler: Lambda context and correlation ids on every
 * log line, keys reset per invocation, and every failure logged once with its name
 * before it is rethrown unchanged (the name is what the state machine matches). A function
 * that records metrics hands its Metrics in: they are flushed once per invocation, whether
 * the core returns or throws, so no core flushes by hand.
 */
export const withLambda = <I, O>(
  fn: (input: I, context: Context) => Promise<O>,
  options: { metrics?: Metrics } = {},
) => {
  const handler = middy<I, O, Error, Context>().use(
    injectLambdaContext(logger, { resetKeys: true }),
  );
  if (options.metrics) handler.use(logMetrics(options.metrics));
  return handler
    .use({
      before: (request) => {
        const { executionArn, modelPackageArn } = correlationOf(request.event);
        correlate({ executionArn, modelPackageArn });
      },
      onError: (request) => {
        const error = request.error;
        logger.error('task failed', {
          errorName: error?.name,
          errorMessage: error?.message,
        });
      },
    })
    .handler((input, context) => fn(input, context));
};
