import { AwsError } from './http';
import { queryInput, restInput } from './request-input';
import { restOperation, type Shape, serviceModel } from './service-models';

/**
 * Request validation against the operation's input shape in AWS's service model, as the
 * services' front ends do before any work: required members, string and list lengths,
 * patterns, enum values and numeric ranges. The message follows AWS's wording
 * ("1 validation error detected: Value 'x' at 'name' failed to satisfy constraint: Member
 * must have length less than or equal to 63"), member paths in lowerCamelCase as AWS
 * writes them. Timestamps and blobs are not checked.
 */
export type Violation = { path: string; value: unknown; constraint: string; missing?: boolean };

const camel = (name: string) => name.charAt(0).toLowerCase() + name.slice(1);

const compiled = new Map<string, RegExp | null>();
/** Model patterns are Java regular expressions matched against the whole value. */
const regex = (pattern: string): RegExp | null => {
  if (!compiled.has(pattern)) {
    let r: RegExp | null = null;
    for (const flags of ['u', '']) {
      try {
        r = new RegExp(`^(?:${pattern})$`, flags);
        break;
      } catch {
        // Java-only syntax: try without the unicode flag, else leave the pattern unchecked.
      }
    }
    compiled.set(pattern, r);
  }
  return compiled.get(pattern)!;
};

const show = (value: unknown) =>
  typeof value === 'string' ? `'${value}'` : Array.isArray(value) ? '[...]' : String(value);

export const violations = (
  shapes: Record<string, Shape>,
  shapeName: string,
  value: unknown,
  path: string,
  out: Violation[] = [],
): Violation[] => {
  const shape = shapes[shapeName];
  if (!shape || value === undefined || value === null) return out;
  const add = (constraint: string) => out.push({ path, value, constraint });
  switch (shape.type) {
    case 'structure': {
      if (typeof value !== 'object' || Array.isArray(value)) return out;
      const record = value as Record<string, unknown>;
      for (const name of shape.required ?? []) {
        if (record[name] === undefined || record[name] === null)
          out.push({
            path: path ? `${path}.${camel(name)}` : camel(name),
            value: null,
            constraint: 'Member must not be null',
            missing: true,
          });
      }
      for (const [name, ref] of Object.entries(shape.members ?? {}))
        violations(
          shapes,
          ref.shape,
          record[name],
          path ? `${path}.${camel(name)}` : camel(name),
          out,
        );
      return out;
    }
    case 'list': {
      if (!Array.isArray(value)) return out;
      if (shape.min !== undefined && value.length < shape.min)
        add(`Member must have length greater than or equal to ${shape.min}`);
      if (shape.max !== undefined && value.length > shape.max)
        add(`Member must have length less than or equal to ${shape.max}`);
      for (const [i, item] of value.entries())
        violations(shapes, shape.member!.shape, item, `${path}.${i + 1}.member`, out);
      return out;
    }
    case 'map': {
      if (typeof value !== 'object') return out;
      const entries = Object.entries(value as Record<string, unknown>);
      if (shape.min !== undefined && entries.length < shape.min)
        add(`Member must have length greater than or equal to ${shape.min}`);
      if (shape.max !== undefined && entries.length > shape.max)
        add(`Member must have length less than or equal to ${shape.max}`);
      for (const [k, v] of entries) {
        violations(shapes, shape.key!.shape, k, `${path}.${k}.key`, out);
        violations(shapes, shape.value!.shape, v, `${path}.${k}.value`, out);
      }
      return out;
    }
    case 'string': {
      const text = String(value);
      const length = [...text].length;
      if (shape.min !== undefined && length < shape.min)
        add(`Member must have length greater than or equal to ${shape.min}`);
      if (shape.max !== undefined && length > shape.max)
        add(`Member must have length less than or equal to ${shape.max}`);
      if (shape.enum && !shape.enum.includes(text))
        add(`Member must satisfy enum value set: [${shape.enum.join(', ')}]`);
      const r = shape.pattern ? regex(shape.pattern) : null;
      if (r && !r.test(text))
        add(`Member must satisfy regular expression pattern: ${shape.pattern}`);
      return out;
    }
    case 'integer':
    case 'long':
    case 'double':
    case 'float': {
      const n = Number(value);
      if (Number.isNaN(n)) {
        add(`Member must be a number`);
        return out;
      }
      if (shape.min !== undefined && n < shape.min)
        add(`Member must have value greater than or equal to ${shape.min}`);
      if (shape.max !== undefined && n > shape.max)
        add(`Member must have value less than or equal to ${shape.max}`);
      return out;
    }
    default:
      return out;
  }
};

/** Coral's wording: "N validation error(s) detected: Value … at '…' failed to satisfy constraint: …". */
export const validationMessage = (found: Violation[]) =>
  `${found.length} validation error${found.length > 1 ? 's' : ''} detected: ${found
    .map(
      (v) =>
        `Value ${v.value === null ? 'null' : show(v.value)} at '${v.path}' failed to satisfy constraint: ${v.constraint}`,
    )
    .join('; ')}`;

/**
 * The error each service answers a constraint violation with. JSON services built on AWS's
 * service framework answer ValidationException; IoT and IoT data answer their modelled
 * InvalidRequestException (HTTP 400); SNS answers InvalidParameter in its query XML; SQS
 * answers MissingParameter / InvalidParameterValue (SQS API reference, Common Errors).
 */
const validationCode = (service: string, found: Violation[]) => {
  if (service === 'iot' || service === 'iotdata') return 'InvalidRequestException';
  if (service === 'sns') return 'InvalidParameter';
  if (service === 'sqs')
    return found.every((v) => v.missing) ? 'MissingParameter' : 'InvalidParameterValue';
  return 'ValidationException';
};

/** Throws the service's validation error when `input` breaks the operation's input shape. */
export const validateRequest = (service: string, operationName: string, input: unknown) => {
  const model = serviceModel(service);
  const operation = model?.operations[operationName];
  if (!model || !operation?.input) return;
  const found = violations(model.shapes, operation.input, input ?? {}, '');
  if (found.length)
    throw new AwsError(validationCode(service, found), validationMessage(found), 400);
};

/**
 * One check in the emulator's dispatch, before the service handler runs: the request as the
 * service's model reads it (JSON body, query form, or REST bindings) against the operation's
 * input shape. Operations outside the extracted models are not checked.
 */
export const validateCall = (
  service: string,
  protocol: 'json' | 'rest-json' | 'query',
  operation: string,
  request: {
    method: string;
    url: URL;
    headers: Record<string, string | string[] | undefined>;
    body: Buffer;
  },
) => {
  if (protocol === 'json') {
    const text = request.body.toString('utf8');
    return validateRequest(service, operation, text ? JSON.parse(text) : {});
  }
  if (protocol === 'query')
    return validateRequest(
      service,
      operation,
      queryInput(service, operation, new URLSearchParams(request.body.toString('utf8'))),
    );
  const found = restOperation(service, request.method, request.url.pathname);
  if (!found) return;
  validateRequest(
    service,
    found.name,
    restInput(
      service,
      found.operation,
      found.params,
      request.url.searchParams,
      request.headers,
      request.body,
    ),
  );
};
