import { LogFormatter, Logger, LogItem } from '@aws-lambda-powertools/logger';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';

/**
 * Keys whose values must never reach a log line: task tokens resume executions,
 * signatures and secrets forge approval links.
 */
const SECRET_KEYS = /token|secret|signature|^sig$|password|authorization|hmac/i;

/** Replaces secret values at any depth of a log attribute. */
export const redact = (value: unknown, depth = 0): unknown => {
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return value;
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([key, val]) => [
      key,
      SECRET_KEYS.test(key) ? '[redacted]' : redact(val, depth + 1),
    ]),
  );
};

/** Powertools' standard keys, with every extra attribute passed through `redact`. */
class RedactingFormatter extends LogFormatter {
  formatAttributes(attributes: UnformattedAttributes, additional: LogAttributes): LogItem {
    return new LogItem({
      attributes: {
        level: attributes.logLevel,
        message: attributes.message,
        timestamp: this.formatTimestamp(attributes.timestamp),
        service: attributes.serviceName,
        cold_start: attributes.lambdaContext?.coldStart,
        function_name: attributes.lambdaContext?.functionName,
        function_request_id: attributes.lambdaContext?.awsRequestId,
        xray_trace_id: attributes.xRayTraceId,
      },
    }).addAttributes(redact(additional) as LogAttributes);
  }
}

export const logger = new Logger({
  serviceName: 'edge-mlops',
  logFormatter: new RedactingFormatter(),
  persistentKeys: { stage: process.env.STAGE ?? 'local' },
});

/** Correlation keys every log line of a pipeline task carries. */
export const correlate = (keys: { executionArn?: string; modelPackageArn?: string }): void => {
  const defined = Object.fromEntries(Object.entries(keys).filter(([, v]) => v !== undefined));
  logger.appendKeys(defined);
};
