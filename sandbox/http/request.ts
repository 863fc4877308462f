import type { IncomingMessage } from 'node:http';
import { ApiError, invalidRequest } from './errors';

export const maxBodyBytes = 1024 * 1024;

/** Reads the body, refusing more than `maxBodyBytes` with a 413 in the error shape. */
export function readBody(request: IncomingMessage): Promise<Buffer> {
  const declared = request.headers['content-length'];
  if (declared !== undefined && Number(declared) > maxBodyBytes) {
    request.resume();
    return Promise.reject(tooLarge());
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    request.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > maxBodyBytes) {
        refused = true;
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      if (!refused) resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
    });
    request.on('error', (error) => {
      if (!refused) reject(invalidRequest(`the request body could not be read: ${error.message}`));
    });
  });
}

function tooLarge(): ApiError {
  return new ApiError(
    'invalid_request',
    `the request body is larger than ${maxBodyBytes} bytes`,
    [],
    {
      status: 413,
    },
  );
}

/** Parses a body as JSON, or as a form for the token endpoint; names what is wrong otherwise. */
export function parseBody(
  raw: Buffer,
  contentType: string | undefined,
  allowForm: boolean,
): unknown {
  const mediaType = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (raw.length === 0) {
    throw invalidRequest('the request body is empty; send a JSON object', [
      { path: '', message: 'is required' },
    ]);
  }
  const text = raw.toString('utf8');
  // curl -d sends JSON labelled as a form unless told otherwise; a JSON object is still JSON.
  const looksLikeJson = /^\s*[{[]/.test(text);
  if (mediaType === 'application/x-www-form-urlencoded' && looksLikeJson) return parseJson(text);
  if (allowForm && mediaType === 'application/x-www-form-urlencoded') {
    return Object.fromEntries(parseUniqueParams(text, 'form field'));
  }
  if (mediaType !== '' && mediaType !== 'application/json' && !mediaType.endsWith('+json')) {
    const accepted = allowForm
      ? 'application/json or application/x-www-form-urlencoded'
      : 'application/json';
    throw new ApiError(
      'invalid_request',
      `unsupported Content-Type "${mediaType}"; send ${accepted}`,
      [],
      {
        status: 415,
      },
    );
  }
  return parseJson(text);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw invalidRequest(`the request body is not valid JSON: ${reason}`, [
      { path: '', message: 'is not valid JSON' },
    ]);
  }
}

/** Query or form parameters; a repeated name is an error rather than a silent pick. */
export function parseUniqueParams(
  text: string,
  what: 'query parameter' | 'form field',
): Map<string, string> {
  const params = new Map<string, string>();
  if (text.length === 0) return params;
  let search: URLSearchParams;
  try {
    search = new URLSearchParams(text);
  } catch {
    throw invalidRequest(`the ${what}s could not be parsed`);
  }
  for (const [name, value] of search) {
    if (params.has(name)) {
      throw invalidRequest(`the ${what} "${name}" is given more than once`, [
        { path: name, message: 'is given more than once' },
      ]);
    }
    params.set(name, value);
  }
  return params;
}
