/** `esp-prov demo`: output options only. */
import { JSON_OPTION, OUTPUT_OPTIONS, type OutputFlags } from '../option-common.js';

export const DEMO_OPTIONS = { ...JSON_OPTION, ...OUTPUT_OPTIONS };

export type DemoArgs = OutputFlags;
