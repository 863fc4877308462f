// Which Host and Origin headers the sandbox answers. Without a Host check a web page can rebind
// its own name to 127.0.0.1 (DNS rebinding) and become same-origin with the sandbox; without an
// Origin check any page can open the stream from the user's browser. Both refusals are for
// browsers: other clients (the SDKs, curl, HTTP/1.0 tools) send no Origin, and a missing Host
// stays accepted (createHttpServer sets requireHostHeader: false for them).

export interface HostPolicy {
  /** Why a request with this Host header is refused, or null to serve it. */
  refuseHost(host: string | undefined): string | null;
  /** Why a WebSocket upgrade with this Origin header is refused, or null to accept it. */
  refuseOrigin(origin: string | undefined): string | null;
}

const loopbackName = /^(localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\])$/;
/** A Host is a name or an address, bracketed for IPv6, then an optional port. */
const hostHeader = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::\d*)?$/;
const ipAddress = /^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-f:.]+\])$/;
const wildcard = new Set(['0.0.0.0', '::', '[::]', '']);
/** The schemes of VS Code's webviews, which the project's extension opens on the stream. */
const webviewSchemes = new Set(['vscode-webview:', 'vscode-file:']);

/**
 * The policy of a sandbox bound to `boundHost` (`--host`): loopback names always; the bound
 * name or address too. Bound to every interface, any address literal is allowed as Host (it
 * is what clients elsewhere use, and a rebinding page has a name, never an address).
 */
export function hostPolicy(boundHost = '127.0.0.1'): HostPolicy {
  const bound = normalised(boundHost);
  const everyInterface = wildcard.has(bound);
  const allowedName = (name: string) => loopbackName.test(name) || name === bound;
  const usage =
    'it answers requests addressed to localhost, 127.0.0.1 or [::1]' +
    (everyInterface || loopbackName.test(bound) ? '' : ` or ${bound}`);
  return {
    refuseHost(host) {
      if (host === undefined || host === '') return null;
      const name = hostHeader.exec(host.trim().toLowerCase())?.[1];
      if (name !== undefined) {
        const bare = name.replace(/\.$/, '');
        if (allowedName(bare) || (everyInterface && ipAddress.test(bare))) return null;
      }
      return (
        `this sandbox does not serve the host ${JSON.stringify(host.slice(0, 100))}: ${usage}; ` +
        'use http://127.0.0.1:<port>, or start it with --host <that name> to serve it there'
      );
    },
    refuseOrigin(origin) {
      if (origin === undefined) return null;
      let url: URL | undefined;
      try {
        url = new URL(origin);
      } catch {
        url = undefined;
      }
      if (url !== undefined) {
        if (webviewSchemes.has(url.protocol)) return null;
        const web = url.protocol === 'http:' || url.protocol === 'https:';
        if (web && allowedName(url.hostname.replace(/\.$/, ''))) return null;
      }
      return (
        `a page from ${JSON.stringify(origin.slice(0, 100))} may not open this sandbox's stream: ` +
        'only pages on localhost, 127.0.0.1 or [::1] and VS Code webviews may ' +
        '(clients that are not browsers send no Origin and are not affected)'
      );
    },
  };
}

function normalised(host: string): string {
  const lower = host.trim().toLowerCase().replace(/\.$/, '');
  return lower.includes(':') && !lower.startsWith('[') ? `[${lower}]` : lower;
}
