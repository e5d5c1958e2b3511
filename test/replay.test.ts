/**
 * Client-side replay of every recorded session in ../shared/vectors: with the client's recorded randomness
 * injected and the device's recorded answers fed back, every handshake message and every encrypted request
 * we produce must equal esp_prov's bytes exactly (ReplayTransport asserts it), and every decoded result must
 * be what the device said. proto-ver probes are compared by meaning (see ReplayTransport).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fromHex, toHex, utf8 } from '../src/bytes.js';
import { applyWifiConfig, getWifiStatus, setWifiConfig, type WifiStatus } from '../src/endpoints/config.js';
import { callCustomEndpoint } from '../src/endpoints/custom.js';
import { scanWifi } from '../src/endpoints/scan.js';
import {
  applyThreadConfig,
  getThreadStatus,
  scanThread,
  setThreadDataset,
  type ThreadStatus,
} from '../src/endpoints/thread.js';
import { buildThreadDataset } from '../src/endpoints/thread-dataset.js';
import { Sec0Client } from '../src/security/sec0.js';
import { Sec1Client } from '../src/security/sec1.js';
import { Sec2Client } from '../src/security/sec2.js';
import type { ClientSecurity } from '../src/security/scheme.js';
import { Session, readDeviceInfo } from '../src/session/session.js';
import { chooseSecurity, versionMatches } from '../src/session/version.js';
import { ReplayTransport } from './helpers/replay-transport.js';
import { loadVectors, type Vector } from './helpers/vectors.js';
import { isCode } from './helpers/rejects.js';

const vectors = loadVectors();

function clientSecurity(v: Vector, patchLevel: 0 | 1): ClientSecurity {
  const i = v.inputs;
  const recorded = (key: string) => () => fromHex(v.client_randomness[key]!);
  switch (Number(i.client_sec_ver)) {
    case 0:
      return new Sec0Client();
    case 1:
      return new Sec1Client({
        pop: i.client_pop ? utf8(i.client_pop) : undefined,
        random: recorded('sec1_client_x25519_private_key'),
      });
    default:
      return new Sec2Client({
        username: utf8(i.client_username!),
        password: utf8(i.client_password!),
        patchLevel,
        random: recorded('sec2_srp_a'),
      });
  }
}

async function pollWifi(session: Session): Promise<WifiStatus[]> {
  const seen: WifiStatus[] = [];
  for (let n = 0; n < 20; n++) {
    const s = await getWifiStatus(session);
    seen.push(s);
    if (s.state === 'connected' || s.state === 'failed') return seen;
  }
  throw new Error('status never settled');
}

async function pollThread(session: Session): Promise<ThreadStatus[]> {
  const seen: ThreadStatus[] = [];
  for (let n = 0; n < 20; n++) {
    const s = await getThreadStatus(session);
    seen.push(s);
    if (s.state !== 'attaching') return seen;
  }
  throw new Error('status never settled');
}

describe('replay of recorded sessions (client side, byte for byte)', () => {
  assert.ok(vectors.length >= 20, `expected the recorded vectors in ../shared/vectors, found ${vectors.length}`);

  for (const v of vectors) {
    test(v.name, async () => {
      const i = v.inputs;
      const t = new ReplayTransport(v.exchanges);
      let patchLevel: 0 | 1 = 0;
      // Some recordings have no proto-ver at all (esp_prov given --sec_ver skips its probes).
      if (v.exchanges.some((e) => e.endpoint === 'proto-ver')) {
        const info = await readDeviceInfo(t, i.proto_ver_check ? { probe: utf8(i.proto_ver_check) } : {});
        if (i.proto_ver_check) assert.ok(versionMatches(info, i.proto_ver_check));
        patchLevel = chooseSecurity(info, Number(i.client_sec_ver) as 0 | 1 | 2).patchLevel;
        // Our auto-detection must agree with what the recording's operator had to tell esp_prov by hand.
        assert.equal(chooseSecurity(info).version, Number(i.client_sec_ver));
      }
      const session = new Session({ transport: t, security: clientSecurity(v, patchLevel) });

      if (v.esp_prov_error?.includes('establishing session')) {
        await assert.rejects(session.establish(), isCode('HANDSHAKE_FAILED'));
        assert.equal(session.established, false);
        return;
      }
      await session.establish();
      assert.equal(session.established, true);
      assert.deepEqual(session.security.warnings, []);

      if (v.name.includes('thread')) {
        let dataset: Uint8Array;
        if (i.ap_selected_on_stdin) {
          const networks = await scanThread(session, { pageSize: 4 });
          assert.equal(networks.length, 4);
          assert.equal(networks[0]!.networkName, 'OpenThread-Home');
          // esp_prov's menu is off by one (README): the user typed 1, entry 2 was sent. Build from entry 2.
          const n = networks[1]!;
          dataset = buildThreadDataset({
            channel: n.channel,
            panId: n.panId,
            extPanId: n.extPanId,
            networkKey: fromHex('fedcba9876543210fedcba9876543210'),
          });
        } else {
          dataset = fromHex(i.thread_dataset_tlvs_sent_hex!);
        }
        assert.equal(toHex(dataset), i.thread_dataset_tlvs_sent_hex);
        await setThreadDataset(session, dataset);
        if (v.name.includes('invalid')) {
          await assert.rejects(applyThreadConfig(session), isCode('THREAD_DATASET_INVALID'));
          return;
        }
        await applyThreadConfig(session);
        const states = await pollThread(session);
        const last = states.at(-1)!;
        assert.equal(last.state, 'attached');
        assert.equal(last.state === 'attached' && last.panId, 0xabcd);
        assert.equal(t.remaining().length, 0);
        return;
      }

      const long = v.name.includes('long_session');
      if (i.custom_data) {
        const reply = await callCustomEndpoint(
          session,
          'custom-data',
          utf8(long ? `${i.custom_data} #1` : i.custom_data),
        );
        assert.equal(toHex(reply), toHex(utf8('SUCCESS\0')));
      }
      let ssid: Uint8Array;
      if (!i.ssid_arg || long) {
        // esp_prov scans with group_channels 5 over SoftAP; the long-session recording pages one entry at a time.
        const aps = await scanWifi(session, { groupChannels: 5, ...(long ? { pageSize: 1 } : {}) });
        assert.equal(aps.length, 12);
        assert.ok(
          aps.every((a, k) => k === 0 || a.rssi <= aps[k - 1]!.rssi),
          'device lists strongest first',
        );
        ssid = i.ssid_arg ? utf8(i.ssid_arg) : aps[Number(i.ap_selected_on_stdin) - 1]!.ssid;
      } else {
        ssid = utf8(i.ssid_arg);
      }
      if (long) await callCustomEndpoint(session, 'custom-data', utf8(`${i.custom_data} #2`));
      assert.equal(toHex(ssid), i.ssid_sent_hex);
      await setWifiConfig(session, { ssid, passphrase: utf8(i.passphrase ?? '') });
      await applyWifiConfig(session);
      const states = await pollWifi(session);
      const last = states.at(-1)!;
      if (v.name.includes('wrong_passphrase')) {
        assert.deepEqual(last, { state: 'failed', reason: 'auth', reasonCode: 0 });
        if (states.some((s) => s.state === 'connecting' && s.attemptsRemaining !== undefined)) {
          assert.ok(states.some((s) => s.state === 'connecting' && (s.attemptsRemaining ?? 0) > 0));
        }
      } else if (v.name.includes('unknown_ssid')) {
        assert.deepEqual(last, { state: 'failed', reason: 'not-found', reasonCode: 1 });
      } else {
        assert.equal(last.state, 'connected');
        assert.ok(last.state === 'connected' && /^\d+\.\d+\.\d+\.\d+$/.test(last.ip));
        assert.equal(last.state === 'connected' && toHex(last.ssid), toHex(ssid));
      }
      // Whatever we did not send must be esp_prov's extra status polls after the final state.
      for (const rest of t.remaining()) assert.equal(rest.endpoint, 'prov-config');
    });
  }
});
