/**
 * Loader for the recorded sessions (Espressif's device code + esp_prov, see their README). The source of truth
 * is ../shared/vectors beside the clone (as CI lays it out); test/vectors is a copy so that the suite also runs
 * where shared/ is absent (GitHub Actions, a user's fork). vectors-copy.test.ts fails when the two differ.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
export const SHARED_VECTORS_DIR = join(HERE, '..', '..', '..', 'shared', 'vectors');
export const COPY_VECTORS_DIR = join(HERE, '..', 'vectors');
export const VECTORS_DIR =
  process.env['ESP_PROV_VECTORS'] ?? (existsSync(SHARED_VECTORS_DIR) ? SHARED_VECTORS_DIR : COPY_VECTORS_DIR);

export interface RecordedExchange {
  endpoint: string;
  request_hex: string;
  response_hex: string | null;
  request_plain_hex?: string;
  response_plain_hex?: string;
  request_nonce_hex?: string;
  response_nonce_hex?: string;
  set_cookie?: string;
  request_cookie?: string | null;
}

export interface Vector {
  file: string;
  name: string;
  exchanges: RecordedExchange[];
  inputs: Record<string, unknown> & {
    client_sec_ver: string | number;
    client_pop: string | null;
    client_username: string | null;
    client_password: string | null;
    proto_ver_check: string | null;
    custom_data: string | null;
    ssid_arg: string | null;
    passphrase: string | null;
    ap_selected_on_stdin: string | null;
    ssid_sent_hex?: string;
    thread_dataset_tlvs_sent_hex?: string;
    device_sec2_salt_hex?: string;
    device_sec2_verifier_hex?: string;
  };
  client_randomness: Record<string, string>;
  derived: Record<string, unknown>;
  esp_prov_exit_code: number;
  esp_prov_error: string | null;
  device: { rng_draws: { offset: number; len: number; hex: string }[] } & Record<string, unknown>;
}

export function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? walk(p) : f.endsWith('.json') ? [p] : [];
  });
}

export function loadVectors(): Vector[] {
  return walk(VECTORS_DIR)
    .sort()
    .map((p) => {
      const v = JSON.parse(readFileSync(p, 'utf8')) as Omit<Vector, 'file' | 'name'>;
      return { ...v, file: relative(VECTORS_DIR, p), name: relative(VECTORS_DIR, p).replace(/\.json$/, '') };
    });
}
