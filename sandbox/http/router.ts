import type { HttpMethod, OperationId, RouteSpec } from '../../api/routes';
import { routes } from '../../api/routes';

export interface RouteMatch {
  operationId: OperationId;
  spec: RouteSpec;
  params: Record<string, string>;
}

export type RouteLookup =
  | { kind: 'match'; match: RouteMatch }
  | { kind: 'method_not_allowed'; allowed: HttpMethod[] }
  | { kind: 'not_found' };

interface Template {
  operationId: OperationId;
  spec: RouteSpec;
  segments: string[];
}

/**
 * Matches method and path against the route table. Static paths are one map lookup (the hot
 * endpoints are static); templated paths are few and tried in order, static segments first.
 */
export class Router {
  private readonly staticRoutes = new Map<string, Map<HttpMethod, RouteMatch>>();
  private readonly templates: Template[] = [];

  constructor() {
    for (const [operationId, spec] of Object.entries(routes) as [OperationId, RouteSpec][]) {
      if (spec.path.includes('{')) {
        this.templates.push({ operationId, spec, segments: spec.path.split('/').slice(1) });
      } else {
        let byMethod = this.staticRoutes.get(spec.path);
        if (!byMethod)
          this.staticRoutes.set(spec.path, (byMethod = new Map<HttpMethod, RouteMatch>()));
        byMethod.set(spec.method, { operationId, spec, params: {} });
      }
    }
  }

  lookup(method: string, path: string): RouteLookup {
    const byMethod = this.staticRoutes.get(path);
    if (byMethod) {
      const match = byMethod.get(method as HttpMethod);
      return match
        ? { kind: 'match', match }
        : { kind: 'method_not_allowed', allowed: [...byMethod.keys()] };
    }
    const segments = path.split('/').slice(1);
    const allowed: HttpMethod[] = [];
    for (const template of this.templates) {
      const params = matchSegments(template.segments, segments);
      if (!params) continue;
      if (template.spec.method === method) {
        return {
          kind: 'match',
          match: { operationId: template.operationId, spec: template.spec, params },
        };
      }
      allowed.push(template.spec.method);
    }
    return allowed.length > 0 ? { kind: 'method_not_allowed', allowed } : { kind: 'not_found' };
  }
}

function matchSegments(template: string[], actual: string[]): Record<string, string> | null {
  if (template.length !== actual.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < template.length; i++) {
    const expected = template[i];
    const segment = actual[i];
    if (expected.startsWith('{')) {
      if (segment.length === 0) return null;
      let decoded: string;
      try {
        decoded = decodeURIComponent(segment);
      } catch {
        return null;
      }
      params[expected.slice(1, -1)] = decoded;
    } else if (expected !== segment) {
      return null;
    }
  }
  return params;
}
