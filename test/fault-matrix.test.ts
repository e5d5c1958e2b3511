/**
 * The fault matrix (issue 6): every simulator fault × every protocol phase it applies to, generated from the
 * simulator's own FAULT_MATRIX, against the client's whole provisioning flow, over memory, real HTTP on
 * loopback and BLE (noble on fake bindings). Device, server and client (flow and transport) share one
 * ManualClock that the test moves 1 ms per event-loop turn while the run is pending, so a device delay costs
 * no wall time and no bound on wall time is asserted; 1 ms a turn leaves a request hundreds of turns of real
 * I/O before its deadline. For each case: the run ends (no hang) within its bound of device time, with
 * success or the coded error that the rules below predict; no other exception type and no unhandled
 * rejection escapes; and when the failure happened before the session was verified, no credential (nothing
 * on prov-config) ever reached the device.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { utf8 } from '../src/bytes.js';
import { EspProvError, type ErrorCode } from '../src/errors.js';
import { provision, type ProvisionOptions } from '../src/provision/flow.js';
import { FAULT_MATRIX, type FaultKind, type FaultPhase } from '../src/sim/faults.js';
import { ManualClock } from '../src/timers.js';
import { QUICK_CLIENT, SEC, rig, ssidText, type RigKind } from './helpers/e2e.js';
import { settle } from './helpers/settle.js';

const REQUEST_DEADLINE_MS = 400;
const FAULT_DELAY_MS = 1500;
/** Generous bound for a whole run, in device time: a few request deadlines plus recovery. */
const RUN_BOUND_MS = 12_000;
/** Device time per event-loop turn while something is pending. */
const STEP_MS = 1;

type Sec = 'sec1' | 'sec2p1';
type Expectation = { ok: boolean; codes: ErrorCode[] };

/** What the client must end with, by rule (not hand-picked per case). */
function expected(kind: FaultKind, phase: FaultPhase, sec: Sec): Expectation {
  const e = (ok: boolean, ...codes: ErrorCode[]): Expectation => ({ ok, codes });
  const handshake = phase === 'handshake0' || phase === 'handshake1';
  // A status poll is idempotent: a lost, delayed, corrupted or unreadable answer is asked for again after a new
  // handshake, so a fault that strikes one poll costs a retry, not the run. Should the retries run out, the
  // credentials were applied all the same: APPLIED_UNCONFIRMED, never a credentials error.
  if (phase === 'status') return e(true, 'APPLIED_UNCONFIRMED');
  // Apply's answer lost or unreadable: the device may have applied the credentials, so the outcome is unknown.
  // Its refusal (closed without answering) or an error status means it did not.
  if (phase === 'apply' && (kind === 'delay' || kind === 'truncate' || (kind === 'corrupt' && sec === 'sec2p1'))) {
    return e(false, 'APPLIED_UNCONFIRMED');
  }
  switch (kind) {
    case 'delay':
      return e(false, 'TIMEOUT');
    case 'close':
      return handshake ? e(false, 'HANDSHAKE_FAILED') : e(false, 'CONNECTION_LOST');
    case 'wrong-proof':
      return e(false, 'DEVICE_AUTH_FAILED');
    case 'garbage-version':
      return e(false, 'DECODE_FAILED');
    case 'truncate':
      // Cut JSON is no version; what is left may still read as a legacy version string (then the user must say).
      if (phase === 'version') return e(false, 'DECODE_FAILED', 'MISSING_INPUT');
      if (phase === 'custom-data') return e(true); // application data is opaque bytes
      return e(false, 'DECODE_FAILED');
    case 'unknown-enum':
      if (handshake) return e(false, 'DEVICE_STATUS', 'DECODE_FAILED');
      if (phase === 'scan') return e(true, 'DEVICE_STATUS'); // auth 42 is shown as unknown, status 99 refused
      return e(false, 'DEVICE_STATUS');
    case 'corrupt':
      if (phase === 'version') return e(true, 'MISSING_INPUT', 'DECODE_FAILED');
      if (phase === 'handshake0') return e(false, 'HANDSHAKE_FAILED', 'DECODE_FAILED', 'DEVICE_AUTH_FAILED');
      if (phase === 'handshake1') return e(false, 'DEVICE_AUTH_FAILED', 'DECODE_FAILED');
      // Security 2 authenticates every message; Security 1 has no integrity at all (§9 item 12).
      if (sec === 'sec2p1') return e(false, 'DECRYPT_FAILED');
      return e(
        true,
        ...(phase === 'apply' ? (['APPLIED_UNCONFIRMED'] as const) : []),
        'DECODE_FAILED',
        'DEVICE_STATUS',
        'WIFI_FAILED',
        'WIFI_AUTH_FAILED',
        'WIFI_NOT_FOUND',
        'TIMEOUT',
      );
  }
}

const CASES: [RigKind, Sec][] = [
  ['memory', 'sec1'],
  ['memory', 'sec2p1'],
  ['http', 'sec2p1'],
  ['ble-bluedroid', 'sec2p1'],
];

for (const [via, sec] of CASES) {
  describe(`fault matrix over ${via}, ${sec}`, { timeout: 300_000 }, () => {
    for (const { kind, phase } of FAULT_MATRIX) {
      test(`${kind} at ${phase}`, async () => {
        // ctrl is only reached by a ctrl command; network_provisioning accepts a reset while started.
        const ctrl = phase === 'ctrl';
        const clock = new ManualClock();
        const device = {
          ...SEC[sec].device,
          ...(ctrl ? { flavour: 'netprov-wifi' as const } : {}),
          faults: [{ kind, phase, delayMs: FAULT_DELAY_MS }],
        };
        const r = await settle(clock, rig(via, device, undefined, clock), STEP_MS);
        const seen: { endpoint: string; phase: string }[] = [];
        r.device.on('request', (ev) => seen.push({ endpoint: ev.endpoint, phase: ev.phase }));
        const options: ProvisionOptions = {
          ...QUICK_CLIENT,
          requestTimeoutMs: REQUEST_DEADLINE_MS,
          connectTimeoutMs: 8000,
          transport: r.transport,
          clock,
          security: SEC[sec].client,
          ...(ctrl
            ? { ctrl: 'wifi-reset' as const }
            : {
                custom: [{ endpoint: 'custom-data', data: utf8('matrix') }],
                selectAccessPoint: (aps) => {
                  const home = aps.find((a) => ssidText(a.ssid) === 'HomeNetwork') ?? aps[0]!;
                  return Promise.resolve({ ssid: home.ssid, auth: home.auth });
                },
                askPassphrase: () => Promise.resolve(utf8('correct-horse-battery')),
              }),
        };
        const started = clock.now();
        let outcome: { ok: true } | { ok: false; error: unknown };
        try {
          await settle(clock, provision(options), STEP_MS);
          outcome = { ok: true };
        } catch (error) {
          outcome = { ok: false, error };
        } finally {
          await settle(clock, r.close(), STEP_MS);
        }
        const took = clock.now() - started;
        assert.ok(took < RUN_BOUND_MS, `run took ${took} ms of device time`);
        // The fault must actually have acted (every phase is reached by the flow above).
        assert.ok(
          seen.some((s) => s.phase === phase),
          `phase ${phase} was reached`,
        );
        const want = expected(kind, phase, sec);
        if (outcome.ok) {
          assert.ok(want.ok, `expected one of ${want.codes.join(', ')}, but provisioning succeeded`);
        } else {
          const err = outcome.error;
          assert.ok(err instanceof EspProvError, `a coded error, got ${String(err)}`);
          assert.ok(
            want.codes.includes(err.code),
            `expected ${want.ok ? 'success or ' : ''}${want.codes.join(', ')}, got ${err.code}: ${err.message}`,
          );
          if (phase === 'version' || phase === 'handshake0' || phase === 'handshake1') {
            assert.deepEqual(
              seen.filter((s) => s.endpoint === 'prov-config'),
              [],
              'nothing reached prov-config after a failed verification',
            );
          }
        }
      });
    }
  });
}
