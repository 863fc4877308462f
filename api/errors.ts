import { z } from 'zod';

export const errorStatus = {
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  unprocessable: 422,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
} as const;
export type ErrorCode = keyof typeof errorStatus;
export const ErrorCode = z.enum(Object.keys(errorStatus) as [ErrorCode, ...ErrorCode[]]);

export const ErrorDetail = z.object({
  /** Dotted path of the offending field, e.g. "quantity" or "requests.3.path"; "" for the whole input. */
  path: z.string(),
  message: z.string(),
  /** A machine-readable reason where one exists, e.g. "insufficient_margin". */
  reason: z.string().optional(),
});
export type ErrorDetail = z.infer<typeof ErrorDetail>;

export const ApiErrorBody = z
  .object({
    error: z.object({
      code: ErrorCode,
      message: z.string(),
      details: z.array(ErrorDetail),
      request_id: z.string(),
    }),
  })
  .meta({ id: 'Error' });
export type ApiErrorBody = z.infer<typeof ApiErrorBody>;

/** Reasons carried in `details[].reason` of a 422. */
export const unprocessableReasons = [
  'insufficient_margin',
  'market_closed',
  'unknown_symbol',
  'invalid_quantity',
  'invalid_price',
  'invalid_protection',
  'no_liquidity',
] as const;
export type UnprocessableReason = (typeof unprocessableReasons)[number];

/** Turns a path of keys into the dotted form used in `details[].path`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.map((key) => String(key)).join('.');
}

/** One detail per zod issue, named by its field; unknown keys name each key. */
export function detailsFromZod(
  error: z.ZodError,
  prefix: readonly PropertyKey[] = [],
): ErrorDetail[] {
  return error.issues.flatMap((issue): ErrorDetail[] => {
    const base = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        path: formatPath([...base, key]),
        message: 'is not a recognised field',
      }));
    }
    return [{ path: formatPath(base), message: issue.message }];
  });
}
