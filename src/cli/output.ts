/**
 * What the CLI says, in two forms. Human: progress on stderr (one line per step and per wait), the result on
 * stdout. --json: stdout carries only NDJSON — one object per event and a final {"ok":…} line — and stderr
 * stays quiet. Everything passes the redactor (redact.ts).
 */
import { HumanOutput } from './output-human.js';
import { JsonOutput } from './output-json.js';
import type { Output, OutputOptions } from './renderer.js';

export type { Colors, Fields, Output, OutputOptions } from './renderer.js';

export function createOutput(o: OutputOptions): Output {
  return o.json ? new JsonOutput(o) : new HumanOutput(o);
}
