import { z } from 'zod';
import { ApiErrorBody, errorStatus } from './errors';
import { routes } from './routes';
import type { RouteSpec } from './routes';
import { ClientMessage, ServerMessage } from './stream';

type JsonSchema = Record<string, unknown>;
const componentRef = (id: string) => `#/components/schemas/${id}`;

/** JSON Schema of a schema, with registered sub-schemas as references into components. */
function schemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const id = z.globalRegistry.get(schema)?.id;
  if (id) return { $ref: componentRef(id) };
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  delete json.$schema;
  delete json.$defs;
  // Registered sub-schemas are already components; point at them instead of local $defs.
  return JSON.parse(
    JSON.stringify(json).replaceAll('"#/$defs/', '"#/components/schemas/'),
  ) as JsonSchema;
}

function queryParameters(query: z.ZodType): JsonSchema[] {
  const json = z.toJSONSchema(query, { io: 'input', unrepresentable: 'any' }) as {
    properties?: Record<string, JsonSchema>;
    required?: string[];
  };
  return Object.entries(json.properties ?? {}).map(([name, schema]) => ({
    name,
    in: 'query',
    required: json.required?.includes(name) ?? false,
    schema,
  }));
}

function operation(operationId: string, spec: RouteSpec): JsonSchema {
  const parameters: JsonSchema[] = [...spec.path.matchAll(/\{(\w+)\}/g)].map((match) => ({
    name: match[1],
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }));
  if (spec.query) parameters.push(...queryParameters(spec.query));
  if (spec.idempotent) {
    parameters.push({
      name: 'Idempotency-Key',
      in: 'header',
      required: false,
      description:
        'The same key and body within 24 h replay the original answer; another body gives 409.',
      schema: { type: 'string', maxLength: 64 },
    });
  }
  const errorResponse = { $ref: '#/components/responses/Error' };
  const responses: JsonSchema = {
    [spec.success.status]: {
      description: spec.success.description,
      ...(spec.success.schema && {
        content: { 'application/json': { schema: schemaOf(spec.success.schema, 'output') } },
      }),
    },
    default: errorResponse,
  };
  return {
    operationId,
    summary: spec.summary,
    ...(spec.sandboxOnly && { tags: ['sandbox'] }),
    ...(parameters.length > 0 && { parameters }),
    ...(spec.body && {
      requestBody: {
        required: true,
        content: { 'application/json': { schema: schemaOf(spec.body, 'input') } },
      },
    }),
    ...(spec.access.kind === 'bearer' && { security: [{ bearer: [spec.access.scope] }] }),
    ...(spec.access.kind === 'admin' && { security: [{ admin: [] }] }),
    responses,
  };
}

/** The OpenAPI 3.1 document of the API, derived from the zod contract and the route table. */
export function openApiDocument(): JsonSchema {
  // Touch the stream and error schemas so their ids are registered before the registry is read.
  void [ApiErrorBody, ClientMessage, ServerMessage];
  const inputs = z.toJSONSchema(z.globalRegistry, {
    io: 'input',
    unrepresentable: 'any',
    uri: componentRef,
  });
  const outputs = z.toJSONSchema(z.globalRegistry, {
    io: 'output',
    unrepresentable: 'any',
    uri: componentRef,
  });
  const schemas: Record<string, JsonSchema> = {};
  for (const [id, schema] of Object.entries(outputs.schemas)) {
    const chosen = (id.endsWith('Request') ? inputs.schemas[id] : schema) as JsonSchema;
    const { $schema: _dialect, $id: _id, ...rest } = chosen;
    schemas[id] = rest;
  }
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const [operationId, spec] of Object.entries(routes) as [string, RouteSpec][]) {
    (paths[spec.path] ??= {})[spec.method.toLowerCase()] = operation(operationId, spec);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Timber Bondmere API',
      version: '1.0.0',
      description:
        'REST API of Timber Bondmere, as served by the local sandbox. Errors share one shape; ' +
        `codes and statuses: ${Object.entries(errorStatus)
          .map(([code, status]) => `${code} (${status})`)
          .join(', ')}.`,
    },
    servers: [
      {
        url: 'http://127.0.0.1:{port}',
        description: 'local sandbox',
        variables: { port: { default: '8080' } },
      },
      { url: 'https://sandbox.timberbondmere.org', description: 'hosted paper trading' },
      { url: 'https://api.timberbondmere.org', description: 'live' },
    ],
    paths,
    components: {
      schemas,
      responses: {
        Error: {
          description: 'Any error, in the one error shape.',
          content: { 'application/json': { schema: { $ref: componentRef('Error') } } },
        },
      },
      securitySchemes: {
        bearer: {
          type: 'oauth2',
          flows: {
            clientCredentials: {
              tokenUrl: '/oauth/token',
              scopes: {
                read: 'market data, account, orders',
                trade: 'read, plus placing and cancelling orders',
              },
            },
          },
        },
        admin: {
          type: 'http',
          scheme: 'bearer',
          description: 'Local sandbox admin token (loopback only).',
        },
      },
    },
  };
}
