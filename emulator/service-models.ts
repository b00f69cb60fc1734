import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from './project-root';

/**
 * AWS's published service models (botocore's copy, extracted by
 * scripts/emulator/extract-service-models.mjs into emulator/models/service-models.json):
 * the HTTP bindings, constraint traits and modelled errors of the operations the emulator
 * serves. Validation (validate.ts), required response members and fault codes come from here.
 */
export type MemberRef = {
  shape: string;
  location?: 'uri' | 'querystring' | 'header' | 'headers' | 'statusCode';
  locationName?: string;
  flattened?: boolean;
};

export type Shape = {
  type: string;
  required?: string[];
  min?: number;
  max?: number;
  pattern?: string;
  enum?: string[];
  payload?: string;
  members?: Record<string, MemberRef>;
  member?: MemberRef;
  key?: MemberRef;
  value?: MemberRef;
  error?: { code: string; status: number };
  fault?: boolean;
};

export type Operation = {
  http: { method: string; requestUri: string };
  input?: string;
  output?: string;
  errors: string[];
};

export type ServiceModel = {
  model: string;
  protocol: string;
  operations: Record<string, Operation>;
  shapes: Record<string, Shape>;
};

type Models = { source: string; services: Record<string, ServiceModel> };

let cache: Models | undefined;
export const serviceModels = (): Models => {
  cache ??= JSON.parse(
    readFileSync(join(PROJECT_ROOT, 'emulator/models/service-models.json'), 'utf8'),
  ) as Models;
  return cache;
};

export const serviceModel = (service: string): ServiceModel | undefined =>
  serviceModels().services[service];

const routes = new WeakMap<Operation, { regex: RegExp; names: string[] }>();
/** The requestUri template as a regular expression, with its label names. */
const routeOf = (operation: Operation) => {
  let route = routes.get(operation);
  if (!route) {
    const names: string[] = [];
    const template = operation.http.requestUri.split('?')[0]!;
    const regex = new RegExp(
      `^${template.replace(/\{([A-Za-z]+)\+?\}/g, (_m, n: string) => {
        names.push(n);
        return '([^/]+)';
      })}$`,
    );
    route = { regex, names };
    routes.set(operation, route);
  }
  return route;
};

/** The modelled operation a REST request is for: its method and requestUri template. */
export const restOperation = (
  service: string,
  method: string,
  path: string,
): { name: string; operation: Operation; params: Record<string, string> } | undefined => {
  const model = serviceModel(service);
  if (!model) return undefined;
  for (const [name, operation] of Object.entries(model.operations)) {
    if (operation.http.method !== method) continue;
    const { regex, names } = routeOf(operation);
    const m = regex.exec(path);
    if (m)
      return {
        name,
        operation,
        params: Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(m[i + 1]!)])),
      };
  }
  return undefined;
};
