/**
 * Parses the SoftAP transport's `--service_name`: where the device's HTTP server listens. esp_prov hands
 * the string to `http.client.HTTPConnection`, default "192.168.4.1:80", the ESP-IDF default SoftAP address
 * (PROTOCOL.md §2.1). We accept the same forms plus IPv6 literals, and say clearly what is wrong otherwise.
 */
import { isIP, isIPv6 } from 'node:net';
import { EspProvError } from '../errors.js';

export interface ServiceAddress {
  /** Hostname, IPv4 or IPv6 literal (without brackets). */
  host: string;
  port: number;
}

export const DEFAULT_SOFTAP_HOST = '192.168.4.1';
export const DEFAULT_SOFTAP_PORT = 80;
export const DEFAULT_SERVICE_ADDRESS = `${DEFAULT_SOFTAP_HOST}:${DEFAULT_SOFTAP_PORT}`;

const HOST_LABEL = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;
const EXAMPLES = 'expected host, host:port, [IPv6]:port or a bare IPv6 address, e.g. 192.168.4.1:80';

function usage(input: string, why: string): EspProvError {
  return new EspProvError('USAGE', `invalid device address ${JSON.stringify(input)}: ${why} (${EXAMPLES})`);
}

function parsePort(input: string, text: string): number {
  if (!/^\d{1,5}$/.test(text)) throw usage(input, `port ${JSON.stringify(text)} is not a number`);
  const port = Number(text);
  if (port < 1 || port > 65535) throw usage(input, `port ${port} is out of range 1-65535`);
  return port;
}

function checkHostName(input: string, host: string): void {
  if (isIP(host) !== 0) return;
  // All digits and dots but not a valid IPv4 address (e.g. 192.168.4.300): a typo, not a hostname.
  if (/^[\d.]+$/.test(host)) throw usage(input, `${JSON.stringify(host)} is not a valid IPv4 address`);
  const name = host.endsWith('.') ? host.slice(0, -1) : host;
  if (name.length === 0 || name.length > 253 || !name.split('.').every((l) => HOST_LABEL.test(l))) {
    throw usage(input, `${JSON.stringify(host)} is not a valid hostname or IP address`);
  }
}

/** Parses "host", "host:port", "[v6]:port", "[v6]" or a bare IPv6 literal. Throws USAGE on anything else. */
export function parseServiceAddress(s: string): ServiceAddress {
  let rest = s.trim();
  if (/^https:\/\//i.test(rest)) throw usage(s, 'the device serves plain HTTP, not HTTPS');
  rest = rest.replace(/^http:\/\//i, '').replace(/\/$/, '');
  if (rest.length === 0) throw usage(s, 'it is empty');
  if (/[\s/?#@]/.test(rest)) throw usage(s, 'it contains a space, "/", "?", "#" or "@"');

  if (rest.startsWith('[')) {
    const m = /^\[([^\]]+)\](?::(.*))?$/.exec(rest);
    if (!m) throw usage(s, 'unbalanced brackets');
    const host = m[1]!;
    if (!isIPv6(host)) throw usage(s, `${JSON.stringify(host)} is not an IPv6 address`);
    return { host, port: m[2] === undefined ? DEFAULT_SOFTAP_PORT : parsePort(s, m[2]) };
  }

  const colons = rest.split(':').length - 1;
  if (colons > 1) {
    // More than one colon: only an IPv6 literal; a port cannot be told apart from the last group.
    if (!isIPv6(rest)) throw usage(s, 'put an IPv6 address in brackets when giving a port: [addr]:port');
    return { host: rest, port: DEFAULT_SOFTAP_PORT };
  }
  const [host, portText] = colons === 1 ? (rest.split(':') as [string, string]) : [rest, undefined];
  if (host.length === 0) throw usage(s, 'the host is missing');
  checkHostName(s, host);
  return { host, port: portText === undefined ? DEFAULT_SOFTAP_PORT : parsePort(s, portText) };
}

/** "host:port", with brackets around IPv6 literals: for messages and logs. */
export function formatServiceAddress(address: ServiceAddress): string {
  return isIPv6(address.host) ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}
