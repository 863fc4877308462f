import type { IncomingMessage } from 'node:http';
import { ApiError, invalidRequest } from './errors';

export const maxBodyBytes = 1024 * 1024;

/**
 * How deep arrays and objects may nest in a JSON body. The deepest request of the API (a batch
 * holding an order) nests four levels; a nested array a megabyte long would take the parser a
 * large fraction of a second, and is refused after reading as many brackets as this.
 */
export const maxJsonDepth = 64;

/**
 * A request body still on the wire. The dispatcher reads it only for a route that takes a body,
 * once the caller is let through: a body nobody may send is never parsed, only discarded.
 */
export interface PendingBody {
  /** Reads and parses the body (JSON; a form too where `allowForm`); undefined if it is empty. */
  parse(allowForm: boolean): Promise<unknown>;
  /** Whether nothing was sent, reading at most the first chunk (the rest is discarded). */
  isEmpty(): Promise<boolean>;
}

/** The body of `request`, unread, or undefined when its headers say it has none. */
export function pendingBody(request: IncomingMessage): PendingBody | undefined {
  const declared = request.headers['content-length'];
  const chunked = request.headers['transfer-encoding'] !== undefined;
  if (!chunked && (declared === undefined || declared === '0')) return undefined;
  return {
    parse: async (allowForm) => {
      const raw = await readBody(request);
      return raw.length === 0
        ? undefined
        : parseBody(raw, request.headers['content-type'], allowForm);
    },
    isEmpty: () => (chunked ? endsEmpty(request) : Promise.resolve(Number(declared) === 0)),
  };
}

/** Whether a chunked body ends before its first byte; whatever follows is read and dropped. */
function endsEmpty(request: IncomingMessage): Promise<boolean> {
  return new Promise((resolve) => {
    const settle = (empty: boolean) => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('close', onEnd);
      request.off('error', onEnd);
      // Keep the rest flowing into nothing, so the connection can carry the next request.
      request.resume();
      resolve(empty);
    };
    const onData = (chunk: Buffer) => {
      if (chunk.length > 0) settle(false);
    };
    const onEnd = () => settle(true);
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('close', onEnd);
    request.on('error', onEnd);
  });
}

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
  if (nestsDeeperThan(text, maxJsonDepth)) {
    throw invalidRequest(
      `the request body nests arrays or objects more than ${maxJsonDepth} deep; no request of this API needs more than a few levels`,
      [{ path: '', message: `nests more than ${maxJsonDepth} levels deep` }],
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw invalidRequest(`the request body is not valid JSON: ${reason}`, [
      { path: '', message: 'is not valid JSON' },
    ]);
  }
}

/**
 * Whether JSON text opens more than `limit` arrays or objects inside each other, outside
 * strings. Stops at the first bracket past the limit, so a deep body costs only that much.
 * Exact for valid JSON; for invalid JSON either answer ends in a 400.
 */
export function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const char = text.charCodeAt(index);
    if (inString) {
      if (char === backslash) index++;
      else if (char === quote) inString = false;
    } else if (char === quote) {
      inString = true;
    } else if (char === openBracket || char === openBrace) {
      if (++depth > limit) return true;
    } else if (char === closeBracket || char === closeBrace) {
      depth--;
    }
  }
  return false;
}

const quote = 0x22;
const backslash = 0x5c;
const openBracket = 0x5b;
const closeBracket = 0x5d;
const openBrace = 0x7b;
const closeBrace = 0x7d;

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
