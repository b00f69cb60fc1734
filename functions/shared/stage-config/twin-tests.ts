import { z } from 'zod';
import { COMPONENT_NAME, LAMBDA_ARN, slug } from './fields';

/** The automated tests a twin runs before approval (docs/pipeline.md, "Twin tests"). */

export const ProbeSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('deployment-health') }).strict(),
  z
    .object({
      type: z.literal('component-health'),
      /** Components whose nature is to run once and stop, so FINISHED is healthy. */
      finishedIsHealthy: z.array(z.string().regex(COMPONENT_NAME)).default([]),
    })
    .strict(),
  z
    .object({
      type: z.literal('inference-smoke'),
      inputs: z
        .array(
          z
            .object({
              id: z.string().min(1).max(64),
              payload: z.unknown(),
              expected: z.union([z.string(), z.number(), z.boolean()]),
            })
            .strict(),
        )
        .min(1)
        .max(100),
      minAccuracy: z.number().min(0).max(1),
      maxP95LatencyMs: z.number().positive(),
      timeoutSeconds: z.number().int().min(1).max(600).default(60),
    })
    .strict(),
  z
    .object({
      type: z.literal('custom'),
      name: slug('probe name'),
      functionArn: z.string().regex(LAMBDA_ARN, 'must be a Lambda function ARN'),
    })
    .strict(),
]);
