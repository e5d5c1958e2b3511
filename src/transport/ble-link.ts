/** Taking a BLE link down, and saying why it went down. */
import type { Clock } from '../timers.js';
import type { BleLogger, NoblePeripheral } from './ble-noble.js';

/** How long a disconnection may take before the link is given up as down anyway (a broken adapter). */
export const LINK_DOWN_CAP_MS = 2000;

const HCI_REASONS: Readonly<Record<number, string>> = {
  0x08: 'supervision timeout: out of range?',
  0x13: 'closed by the device',
  0x16: 'closed by this host',
  0x3e: 'could not be established',
};

/** noble's disconnect reason (an HCI code, or whatever the binding gives) as text for an error message. */
export function disconnectReasonText(reason: unknown): string {
  return typeof reason === 'number'
    ? `HCI 0x${reason.toString(16)}, ${HCI_REASONS[reason] ?? 'link lost'}`
    : String(reason);
}

/** Drops the link and waits until it is down, at most LINK_DOWN_CAP_MS on `clock`. Never throws. */
export async function dropLink(p: NoblePeripheral, clock: Clock, logger: BleLogger): Promise<void> {
  if (p.state === 'connecting') return p.cancelConnect();
  if (p.state !== 'connected' && p.state !== 'disconnecting') return;
  let cancelTimer = (): void => undefined;
  let onDown = (): void => undefined;
  const down = new Promise<void>((resolve) => {
    onDown = resolve;
    p.once('disconnect', onDown);
    cancelTimer = clock.setTimer(resolve, LINK_DOWN_CAP_MS, true);
  });
  try {
    if (p.state === 'connected') await Promise.race([p.disconnectAsync(), down]);
    await down;
  } catch (e) {
    logger.debug?.(`BLE disconnect failed: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    cancelTimer();
    p.removeListener('disconnect', onDown);
  }
}
