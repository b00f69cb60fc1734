import { AwsError } from './http';
import { serviceModel } from './service-models';

/**
 * The members AWS marks required in an operation's output shape (recursively, body members
 * only: headers and status codes travel outside the JSON body) that a response lacks. AWS
 * always sends them, so product code may rely on them; an emulated response without them is
 * an emulator bug, answered as such in dispatch.
 */
export const missingResponseMembers = (
  service: string,
  operation: string,
  body: unknown,
): string[] => {
  const model = serviceModel(service);
  const op = model?.operations[operation];
  if (!model || !op?.output) return [];
  const missing: string[] = [];
  const walk = (shapeName: string, value: unknown, path: string, top: boolean) => {
    const shape = model.shapes[shapeName];
    if (!shape || value === undefined || value === null) return;
    if (shape.type === 'structure' && typeof value === 'object') {
      const record = value as Record<string, unknown>;
      for (const name of shape.required ?? []) {
        const ref = shape.members?.[name];
        if (top && (ref?.location || shape.payload === name)) continue;
        if (record[name] === undefined || record[name] === null)
          missing.push(path ? `${path}.${name}` : name);
      }
      for (const [name, ref] of Object.entries(shape.members ?? {}))
        if (!(top && ref.location))
          walk(ref.shape, record[name], path ? `${path}.${name}` : name, false);
    } else if (shape.type === 'list' && Array.isArray(value)) {
      for (const [i, item] of value.entries())
        walk(shape.member!.shape, item, `${path}[${i}]`, false);
    } else if (shape.type === 'map' && typeof value === 'object') {
      for (const [k, v] of Object.entries(value as Record<string, unknown>))
        walk(shape.value!.shape, v, `${path}.${k}`, false);
    }
  };
  walk(op.output, body, '', true);
  return missing;
};

/** The response body, or the emulator's own fault when it lacks what AWS always sends. */
export const checkedResponse = <T>(service: string, operation: string, body: T): T => {
  const missing = missingResponseMembers(service, operation, body);
  if (missing.length)
    throw new AwsError(
      'InternalFailure',
      `emulator bug: the ${service}.${operation} response lacks the required member(s) ${missing.join(', ')}`,
      500,
    );
  return body;
};
