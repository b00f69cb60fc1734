import { type MemberRef, type Operation, type Shape, serviceModel } from './service-models';

/**
 * A request's input as the operation's model binds it on the wire, for validation against
 * its input shape (validate.ts): REST JSON members from the URI, query string, headers and
 * body; AWS query members from the form's flattened names.
 */

/** A wire string as the member's scalar type (numbers, booleans), absent when missing. */
const scalar = (shape: Shape | undefined, text: string | null): unknown => {
  if (text === null) return undefined;
  if (!shape) return text;
  if (['integer', 'long', 'double', 'float'].includes(shape.type)) return Number(text);
  if (shape.type === 'boolean') return text === 'true';
  return text;
};

/**
 * The input of a REST JSON request, assembled as the model binds it: members in the URI,
 * the query string and headers, the rest from the JSON body (or the raw payload member).
 */
export const restInput = (
  service: string,
  operation: Operation,
  params: Record<string, string>,
  query: URLSearchParams,
  headers: Record<string, string | string[] | undefined>,
  body: Buffer,
): Record<string, unknown> => {
  const model = serviceModel(service)!;
  const shape = operation.input ? model.shapes[operation.input] : undefined;
  if (!shape) return {};
  const input: Record<string, unknown> = {};
  let json: Record<string, unknown> | undefined;
  const parsedBody = () => {
    if (json === undefined) {
      try {
        json = body.length ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {};
      } catch {
        json = {};
      }
    }
    return json;
  };
  for (const [name, ref] of Object.entries(shape.members ?? {})) {
    const wire = ref.locationName ?? name;
    const target = model.shapes[ref.shape];
    if (ref.location === 'uri') input[name] = params[wire];
    else if (ref.location === 'querystring') {
      input[name] =
        target?.type === 'list'
          ? query.getAll(wire).length
            ? query.getAll(wire)
            : undefined
          : scalar(target, query.get(wire));
    } else if (ref.location === 'header') {
      const h = headers[wire.toLowerCase()];
      input[name] = scalar(target, h === undefined ? null : String(h));
    } else if (ref.location) continue;
    else if (shape.payload === name)
      input[name] = target?.type === 'blob' || target?.type === 'string' ? body : parsedBody();
    else if (!shape.payload) input[name] = parsedBody()[name];
  }
  return input;
};

/** The input of an AWS query request (SNS): `Name`, `List.member.N`, `Map.entry.N.key`. */
export const queryInput = (service: string, operationName: string, form: URLSearchParams) => {
  const model = serviceModel(service);
  const operation = model?.operations[operationName];
  if (!model || !operation?.input) return {};
  const read = (ref: MemberRef, prefix: string): unknown => {
    const shape = model.shapes[ref.shape];
    if (!shape) return form.get(prefix) ?? undefined;
    if (shape.type === 'structure') {
      const out: Record<string, unknown> = {};
      let any = false;
      for (const [name, m] of Object.entries(shape.members ?? {})) {
        const v = read(m, `${prefix}${prefix ? '.' : ''}${m.locationName ?? name}`);
        if (v !== undefined) {
          out[name] = v;
          any = true;
        }
      }
      return any || !prefix ? out : undefined;
    }
    if (shape.type === 'list') {
      const items: unknown[] = [];
      for (let i = 1; ; i++) {
        const v = read(shape.member!, `${prefix}.member.${i}`);
        if (v === undefined) break;
        items.push(v);
      }
      return items.length ? items : undefined;
    }
    if (shape.type === 'map') {
      const out: Record<string, unknown> = {};
      const keyName = shape.key?.locationName ?? 'key';
      const valueName = shape.value?.locationName ?? 'value';
      for (let i = 1; ; i++) {
        const k = form.get(`${prefix}.entry.${i}.${keyName}`);
        if (k === null) break;
        out[k] = read(shape.value!, `${prefix}.entry.${i}.${valueName}`);
      }
      return Object.keys(out).length ? out : undefined;
    }
    return scalar(shape, form.get(prefix));
  };
  return read({ shape: operation.input }, '') as Record<string, unknown>;
};
