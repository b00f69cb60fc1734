import { z } from 'zod';
import { SAGEMAKER_ENTITY_NAME } from '../names';

/** The field shapes the stage config's schemas share (AWS identifiers, names, versions). */

/** A model package group name is a SageMaker `EntityName`. */
export const MODEL_GROUP_NAME = SAGEMAKER_ENTITY_NAME.pattern;
export const IOT_TARGET_ARN = /^arn:[^:]*:iot:[^:]*:[0-9]+:(thing|thinggroup)\/.+$/;
export const THING_GROUP_ARN = /^arn:[^:]*:iot:[^:]*:[0-9]+:thinggroup\/.+$/;
export const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/?[a-zA-Z_0-9+=,.@\-_/]+$/;
export const LAMBDA_ARN =
  /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[a-zA-Z0-9-_]+(:[a-zA-Z0-9-_$]+)?$/;
export const S3_URI = /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/.+$/;
/** Greengrass allows 1–128 characters; reverse-DNS with these characters is the safe convention. */
export const COMPONENT_NAME = /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,127}$/;
export const SEMVER = /^(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})$/;
/** Short lower-case slug: it becomes part of job names that SageMaker limits to 63 characters. */
export const SLUG = /^[a-z0-9](-?[a-z0-9]){0,23}$/;

/**
 * At most `places` digits after the decimal point, as IoT job configurations accept:
 * `incrementFactor` one (Greengrass API reference, IoTJobExponentialRolloutRate: "1.5,
 * but not 1.55"), `thresholdPercentage` two (IoTJobAbortCriteria / IoT AbortCriteria:
 * "10.99, but not 10.999").
 */
export const decimals = (places: number) => (value: number) => {
  const [, fraction = ''] = String(value).split('.');
  return !String(value).includes('e') && fraction.length <= places;
};

export const slug = (what: string) =>
  z.string().regex(SLUG, `${what} must be 1-24 lower-case letters, digits and single hyphens`);

/** A JSON document given either as YAML structure or as a JSON string; stored as a string. */
export const jsonText = (min: number, max: number) =>
  z
    .union([z.string(), z.record(z.string(), z.unknown())])
    .transform((value) => (typeof value === 'string' ? value : JSON.stringify(value)))
    .pipe(
      z
        .string()
        .min(min)
        .max(max)
        .refine((text) => {
          try {
            JSON.parse(text);
            return true;
          } catch {
            return false;
          }
        }, 'must be valid JSON'),
    );

export const ComponentConfiguration = z.record(z.string(), z.unknown());
