// The generated OpenAPI document: the same on every call, every $ref resolves, every route listed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openApiDocument } from '../../../api/openapi';
import { routes } from '../../../api/routes';
import type { RouteSpec } from '../../../api/routes';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every `$ref` string in the document, with where it was found. */
function collectRefs(node: Json, at: string, out: { ref: string; at: string }[]): void {
  if (Array.isArray(node)) {
    node.forEach((item, index) => collectRefs(item, `${at}/${index}`, out));
  } else if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') out.push({ ref: value, at });
      else collectRefs(value, `${at}/${key}`, out);
    }
  }
}

/** Resolves a local JSON pointer (RFC 6901), or undefined. */
function resolvePointer(document: Json, ref: string): Json | undefined {
  if (!ref.startsWith('#/')) return undefined;
  let node: Json | undefined = document;
  for (const raw of ref.slice(2).split('/')) {
    const key = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~');
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, key)) return undefined;
    node = Array.isArray(node) ? node[Number(key)] : node[key];
  }
  return node;
}

test('openApiDocument() is stable: two calls are deep-equal and serialise identically', () => {
  const first = openApiDocument();
  const second = openApiDocument();
  assert.deepEqual(first, second);
  assert.equal(JSON.stringify(first), JSON.stringify(second));
});

test('every $ref in the document resolves to a schema or response inside it', () => {
  const document = JSON.parse(JSON.stringify(openApiDocument())) as Json;
  const refs: { ref: string; at: string }[] = [];
  collectRefs(document, '#', refs);
  assert.ok(refs.length > 20, `only ${refs.length} references found`);
  const broken = refs.filter(({ ref }) => {
    const target = resolvePointer(document, ref);
    return target === undefined || target === null || typeof target !== 'object';
  });
  assert.deepEqual(broken, []);
});

test('every route of the route table is an operation, with its success status and error response', () => {
  const document = openApiDocument() as {
    paths: Record<
      string,
      Record<string, { operationId: string; responses: Record<string, unknown> }>
    >;
  };
  for (const [operationId, spec] of Object.entries(routes) as [string, RouteSpec][]) {
    const operation = document.paths[spec.path]?.[spec.method.toLowerCase()];
    assert.ok(operation, `${spec.method} ${spec.path} is missing`);
    assert.equal(operation.operationId, operationId);
    assert.ok(String(spec.success.status) in operation.responses);
    assert.deepEqual(operation.responses.default, { $ref: '#/components/responses/Error' });
  }
});

test('the Error component describes the one error shape', () => {
  const document = openApiDocument() as {
    components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
  };
  const error = document.components.schemas.Error;
  assert.ok(error?.properties?.error, 'components.schemas.Error has no "error" property');
});
