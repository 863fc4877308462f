import { z } from 'zod';

export const maxBatchRequests = 50;

export const BatchRequest = z
  .object({
    requests: z
      .array(
        z
          .object({
            id: z.string().min(1).max(64),
            method: z.enum(['GET', 'POST', 'PUT', 'DELETE']),
            path: z.string().startsWith('/', 'must start with "/"').max(2048),
            body: z.unknown().optional(),
            /** Sent as the inner request's Idempotency-Key header. */
            idempotency_key: z.string().min(1).max(64).optional(),
          })
          .strict(),
      )
      .min(1, 'must hold at least one request')
      .max(maxBatchRequests, `must hold at most ${maxBatchRequests} requests`),
  })
  .strict()
  .superRefine((batch, ctx) => {
    const seen = new Set<string>();
    batch.requests.forEach((request, index) => {
      if (seen.has(request.id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['requests', index, 'id'],
          message: `repeats the id "${request.id}"`,
        });
      }
      seen.add(request.id);
      if (request.path.startsWith('/batch')) {
        ctx.addIssue({
          code: 'custom',
          path: ['requests', index, 'path'],
          message: 'cannot nest a batch',
        });
      }
    });
  })
  .meta({ id: 'BatchRequest' });
export type BatchRequest = z.infer<typeof BatchRequest>;

export const BatchResponse = z
  .object({
    responses: z.array(z.object({ id: z.string(), status: z.number().int(), body: z.unknown() })),
  })
  .meta({ id: 'BatchResponse' });
export type BatchResponse = z.infer<typeof BatchResponse>;
