/** `esp-prov qr [payload]`: output options only; the payload is an argument. */
import { JSON_OPTION, OUTPUT_OPTIONS, type OutputFlags } from '../option-common.js';

export const QR_OPTIONS = { ...JSON_OPTION, ...OUTPUT_OPTIONS };

export interface QrArgs extends OutputFlags {
  payload: string | undefined;
}
