/**
 * A bench of SoftAP boards that all answer at one address (192.168.4.1 on a real bench: here a loopback
 * port): each new session after a board was provisioned meets a fresh board, the next one joined. Counts
 * the sessions open at once, so a test can assert one board at a time.
 */
import { utf8 } from '../../src/bytes.js';
import { SimDevice } from '../../src/sim/device.js';
import { ReplaceableDevice } from '../../src/sim/replaceable-device.js';

export class BoardBench extends ReplaceableDevice {
  open = 0;
  maxOpen = 0;
  readonly #pop: string;

  constructor(pop: string) {
    super(BoardBench.board(pop));
    this.#pop = pop;
  }

  static board(pop: string): SimDevice {
    return new SimDevice({ security: { version: 1, pop: utf8(pop) }, applyDelayMs: 20, connectDelayMs: 50 });
  }

  override openSession(id: number): void {
    if (this.target instanceof SimDevice && this.target.state.wifi !== undefined)
      this.replace(BoardBench.board(this.#pop));
    this.maxOpen = Math.max(this.maxOpen, ++this.open);
    super.openSession(id);
  }

  override closeSession(id: number): void {
    this.open--;
    super.closeSession(id);
  }
}
