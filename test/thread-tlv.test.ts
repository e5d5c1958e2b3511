/**
 * The one Thread dataset TLV framing (src/protocol/thread-tlv.ts), as the client and the simulator both read
 * it. The extended form (length byte 0xFF, then a 16-bit big-endian length) is MeshCoP's: OpenThread's
 * Tlv::kExtendedLength. Before the parsers were merged, the client read 0xFF as a 255-byte length and the
 * simulator accepted a dataset holding one, which OpenThread's Dataset::ValidateTlvs refuses.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fromHex, toHex } from '../src/bytes.js';
import { isEspProvError } from '../src/errors.js';
import { parseThreadDataset } from '../src/endpoints/thread-dataset.js';
import { splitDatasetTlvs } from '../src/protocol/thread-tlv.js';
import { parseDataset } from '../src/sim/thread-dataset.js';

const PAN_ID = '0102abcd';
/** Channel 20 on page 0, Network Key, Ext PAN ID. */
const ATTACHABLE = '0003000014' + '0510' + 'fedcba9876543210fedcba9876543210' + '02081111111122222222';
/** An unknown TLV type 0x7f in the extended form carrying 3 bytes. */
const EXTENDED = '7fff0003' + 'aabbcc';

const shape = (hex: string) => {
  const r = splitDatasetTlvs(fromHex(hex));
  assert.ok(r.ok, r.ok ? '' : r.error);
  return r.tlvs.map((t) => [t.type, toHex(t.value), t.offset, t.extended]);
};

void describe('Thread dataset TLV framing', () => {
  void test('short form', () => {
    assert.deepEqual(shape(PAN_ID + '0300'), [
      [1, 'abcd', 0, false],
      [3, '', 4, false],
    ]);
  });

  void test('extended form: 0xFF then a 16-bit length, and the TLVs after it stay in frame', () => {
    assert.deepEqual(shape(EXTENDED + PAN_ID), [
      [0x7f, 'aabbcc', 0, true],
      [1, 'abcd', 7, false],
    ]);
    // 256 value bytes only fit the extended form.
    const big = splitDatasetTlvs(fromHex('7fff0100' + '00'.repeat(256)));
    assert.ok(big.ok && big.tlvs[0]!.value.length === 256);
  });

  const broken: [string, string, RegExp][] = [
    ['a lone type byte', '00', /header at offset 0 is truncated/],
    ['an extended header cut after 0xFF', '7fff00', /extended TLV header at offset 0 is truncated/],
    ['an extended length past the end', '7fff0004aabbcc', /TLV 127 at offset 0 claims 4 bytes, 3 left/],
    ['a short length past the end', PAN_ID + '0102ab', /TLV 1 at offset 4 claims 2 bytes, 1 left/],
  ];
  for (const [name, hex, error] of broken) {
    void test(`refuses ${name}`, () => {
      const r = splitDatasetTlvs(fromHex(hex));
      assert.equal(r.ok, false);
      assert.match(r.ok ? '' : r.error, error);
    });
  }

  void test('both ends frame the extended form alike; the device then refuses it, as OpenThread does', () => {
    assert.deepEqual(
      parseThreadDataset(fromHex(EXTENDED + ATTACHABLE)).map((t) => [t.type, t.offset]),
      [
        [0x7f, 0],
        [0, 7],
        [5, 12],
        [2, 30],
      ],
    );
    // Dataset::ValidateTlvs: `VerifyOrExit(!tlv->IsExtended() ...)`.
    const device = parseDataset(fromHex(EXTENDED + ATTACHABLE));
    assert.equal(device.ok, false);
    assert.match(device.ok ? '' : device.error, /TLV 127 at offset 0 uses the extended length form/);
    const plain = parseDataset(fromHex(ATTACHABLE));
    assert.ok(plain.ok && plain.dataset.channel === 20);
  });

  void test('the device checks TLV by TLV: a bad value before a framing error is what it reports', () => {
    const r = parseDataset(fromHex('000200140102ab'));
    assert.equal(r.ok, false);
    assert.match(r.ok ? '' : r.error, /TLV 0 has 2 value bytes, needs 3/);
  });

  void test('the client refuses broken framing with USAGE and says where', () => {
    assert.throws(
      () => parseThreadDataset(fromHex('7fff00')),
      (e: unknown) => isEspProvError(e) && e.code === 'USAGE' && /offset 0/.test(e.message),
    );
  });
});
