/**
 * An output stream for in-process CLI runs: the lines it received, and a wait for the first one matching a
 * pattern, bounded by a deadline (for waits on the simulator's own real-time timers).
 */
export class Lines {
  text = '';
  isTTY?: boolean;
  #waiters: { re: RegExp; resolve: (line: string) => void }[] = [];

  get list(): string[] {
    return this.text.split('\n').filter((l) => l !== '');
  }

  /** A CliStream's write; `isTTY` makes the stream look like a terminal. */
  write = (s: string): boolean => {
    this.text += s;
    for (const w of [...this.#waiters]) {
      const line = this.list.find((l) => w.re.test(l));
      if (line !== undefined) {
        this.#waiters = this.#waiters.filter((x) => x !== w);
        w.resolve(line);
      }
    }
    return true;
  };

  /** The first line matching `re`; fails after `ms` (the device's own timers run in real time here). */
  next(re: RegExp, ms = 20_000): Promise<string> {
    const line = this.list.find((l) => re.test(l));
    if (line !== undefined) return Promise.resolve(line);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no line matching ${re} within ${ms} ms:\n${this.text}`)), ms);
      this.#waiters.push({
        re,
        resolve: (l) => {
          clearTimeout(timer);
          resolve(l);
        },
      });
    });
  }
}
