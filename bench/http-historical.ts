// Bulk download of /market/historical as NDJSON with a streaming fetch: lines counted as they
// arrive, timed from the request to the last byte.
import { cpuSecondsOf } from './http-processes';

export interface Download {
  lines: number;
  bytes: number;
  seconds: number;
  perSecond: number;
  /** CPU the server spent on the download, when its pid was given. */
  serverCpuSeconds?: number;
  /** CPU this process spent receiving and counting. */
  clientCpuSeconds: number;
}

/** Counts newline bytes without decoding: the client must cost far less than the server. */
function countNewlines(chunk: Uint8Array): number {
  const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  let count = 0;
  for (let at = bytes.indexOf(10); at !== -1; at = bytes.indexOf(10, at + 1)) count++;
  return count;
}

export async function download(
  url: string,
  headers: Record<string, string>,
  timeoutMs: number,
  serverPid?: number,
): Promise<Download> {
  const cpuBefore = cpuSecondsOf(serverPid);
  const clientBefore = process.cpuUsage();
  const started = performance.now();
  const response = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
  if (response.status !== 200 || !response.body) {
    throw new Error(
      `GET ${url} answered ${response.status}: ${(await response.text()).slice(0, 300)}`,
    );
  }
  let lines = 0;
  let bytes = 0;
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    lines += countNewlines(chunk);
    bytes += chunk.byteLength;
  }
  const seconds = (performance.now() - started) / 1000;
  const cpuAfter = cpuSecondsOf(serverPid);
  const client = process.cpuUsage(clientBefore);
  return {
    clientCpuSeconds: (client.user + client.system) / 1e6,
    lines,
    bytes,
    seconds,
    perSecond: lines / seconds,
    ...(cpuBefore !== undefined &&
      cpuAfter !== undefined && { serverCpuSeconds: cpuAfter - cpuBefore }),
  };
}

export function historicalUrl(base: string, from: number, to: number): string {
  const query = new URLSearchParams({
    symbol: 'EURUSD',
    type: 'candles',
    interval: '1m',
    from: String(from),
    to: String(to),
  });
  return `${base}/market/historical?${query.toString()}`;
}

export function describeDownload(result: Download): string {
  return (
    `${result.lines.toLocaleString('en-US')} lines, ${(result.bytes / 1e6).toFixed(0)} MB ` +
    `in ${result.seconds.toFixed(2)} s` +
    (result.serverCpuSeconds === undefined
      ? ''
      : `; server ${result.serverCpuSeconds.toFixed(2)} CPU s, ${(result.lines / result.serverCpuSeconds / 1e6).toFixed(2)} M lines per CPU s`) +
    `; client ${result.clientCpuSeconds.toFixed(2)} CPU s`
  );
}
