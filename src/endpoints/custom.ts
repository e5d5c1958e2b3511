/** Application endpoints (e.g. the example's custom-data): opaque bytes in, bytes out, encrypted like the rest. */
import { EspProvError } from '../errors.js';
import type { EndpointCaller } from '../session/session.js';
import type { RequestOptions } from '../transport/transport.js';

export { CUSTOM_DATA_ENDPOINT } from '../protocol/endpoints.js';

export async function callCustomEndpoint(
  caller: EndpointCaller,
  endpoint: string,
  data: Uint8Array,
  options?: RequestOptions,
): Promise<Uint8Array> {
  if (!/^[\x21-\x7e]{1,64}$/.test(endpoint)) {
    throw new EspProvError('USAGE', `invalid endpoint name ${JSON.stringify(endpoint)}`);
  }
  if (data.length === 0)
    throw new EspProvError('USAGE', `data for ${endpoint} must not be empty (the device ignores empty requests)`);
  return caller.call(endpoint, data, options);
}
