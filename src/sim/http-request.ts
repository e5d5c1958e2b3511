/**
 * Request-head parsing as esp_http_server does it (PROTOCOL.md §2.1): http_parser in a 512(+1)-byte scratch
 * buffer, so a URI over 512 bytes is a 414 and a header section that does not fit is a 431. Only what the
 * simulator needs: request line, raw header list (duplicates kept, in order), Content-Length.
 */

/** Kconfig HTTPD_MAX_URI_LEN. */
export const HTTPD_MAX_URI_LEN = 512;
/** Kconfig HTTPD_MAX_REQ_HDR_LEN; the scratch buffer is one byte larger (room for a NUL). */
export const HTTPD_MAX_REQ_HDR_LEN = 512;
const SCRATCH_BYTES = Math.max(HTTPD_MAX_REQ_HDR_LEN, HTTPD_MAX_URI_LEN) + 1;

/** The methods http_parser knows; any other token is a parse error (400). */
const METHODS = new Set(
  (
    'DELETE GET HEAD POST PUT CONNECT OPTIONS TRACE COPY LOCK MKCOL MOVE PROPFIND PROPPATCH SEARCH UNLOCK BIND ' +
    'REBIND UNBIND ACL REPORT MKACTIVITY CHECKOUT MERGE M-SEARCH NOTIFY SUBSCRIBE UNSUBSCRIBE PATCH PURGE ' +
    'MKCALENDAR LINK UNLINK SOURCE'
  ).split(' '),
);
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export interface RequestHead {
  method: string;
  /** The request target as sent (protocomm takes the endpoint name from it, query string and all). */
  uri: string;
  /** The path the router matches (query and fragment removed); null when the target has none. */
  path: string | null;
  /** Header lines in order, names as sent, values with leading blanks removed (decoded as latin-1). */
  headers: Array<[string, string]>;
  /** 0 when absent or when the body is chunked (esp_http_server does not support chunked bodies). */
  contentLength: number;
}

export type HeadParse =
  | { state: 'incomplete' }
  | { state: 'error'; status: 400 | 414 | 431 | 505 }
  | { state: 'done'; head: RequestHead; length: number };

const INCOMPLETE: HeadParse = { state: 'incomplete' };

function lineEnd(buf: Buffer, from: number): number {
  return buf.indexOf(0x0a, from);
}

function text(buf: Buffer, start: number, lf: number): string {
  const end = lf > start && buf[lf - 1] === 0x0d ? lf - 1 : lf;
  return buf.toString('latin1', start, end);
}

function pathOf(uri: string): string | null {
  if (uri.startsWith('/')) return uri.replace(/[?#].*$/s, '');
  const abs = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*(\/[^?#]*)?/.exec(uri);
  if (abs) return abs[1] ?? null;
  return uri;
}

/** First header named `name` (case-insensitive), as esp_http_server's httpd_req_get_hdr_value_str finds it. */
export function firstHeader(head: RequestHead, name: string): string | undefined {
  const lower = name.toLowerCase();
  return head.headers.find(([n]) => n.toLowerCase() === lower)?.[1];
}

export function parseRequestHead(buf: Buffer): HeadParse {
  let start = 0;
  while (buf[start] === 0x0d || buf[start] === 0x0a) start++; // http_parser skips blank lines before a request
  const lf = lineEnd(buf, start);
  if (lf < 0) return buf.length - start > SCRATCH_BYTES ? { state: 'error', status: 414 } : INCOMPLETE;
  if (lf + 1 - start > SCRATCH_BYTES) return { state: 'error', status: 414 };
  const m = /^([A-Z-]+) (\S+) HTTP\/(\d)\.(\d)$/.exec(text(buf, start, lf));
  if (!m || !METHODS.has(m[1]!)) return { state: 'error', status: 400 };
  const [, method, uri, major, minor] = m as unknown as [string, string, string, string, string];
  if (uri.length > HTTPD_MAX_URI_LEN) return { state: 'error', status: 414 };
  // esp_http_server's version test is `major != 1 && minor != 1`: HTTP/1.0 and even 2.1 pass.
  if (major !== '1' && minor !== '1') return { state: 'error', status: 505 };

  const headers: Array<[string, string]> = [];
  const sectionStart = lf + 1;
  let pos = sectionStart;
  for (;;) {
    const end = lineEnd(buf, pos);
    if (end < 0) return buf.length - sectionStart > SCRATCH_BYTES ? { state: 'error', status: 431 } : INCOMPLETE;
    if (end + 1 - sectionStart > SCRATCH_BYTES) return { state: 'error', status: 431 };
    const line = text(buf, pos, end);
    pos = end + 1;
    if (line.length === 0) break;
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon) : '';
    if (!TOKEN.test(name)) return { state: 'error', status: 400 };
    headers.push([name, line.slice(colon + 1).replace(/^[ \t]+/, '')]);
  }

  const lengths = headers.filter(([n]) => n.toLowerCase() === 'content-length').map(([, v]) => v.trimEnd());
  const chunked = headers.some(([n]) => n.toLowerCase() === 'transfer-encoding');
  if (lengths.length > 1 || (lengths.length === 1 && chunked)) return { state: 'error', status: 400 };
  const declared = lengths[0];
  if (declared !== undefined && !/^\d+$/.test(declared)) return { state: 'error', status: 400 };
  const contentLength = declared === undefined ? 0 : Number(declared);
  return { state: 'done', head: { method, uri, path: pathOf(uri), headers, contentLength }, length: pos };
}
