/**
 * The batch's live table: its frame is a pure function of the state and the time (counts, rate, ETA, the
 * boards in flight with phase and elapsed time, device text made safe); the drawing is rate-limited, erases
 * itself before permanent lines, leaves its final frame and always gives the cursor back.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pc from 'picocolors';
import { LiveTable, MAX_ROWS, MIN_FRAME_MS, applyEvent, emptyState, renderTable } from '../src/cli/batch-table.js';
import type { BatchEvent, BoardResult } from '../src/batch/types.js';
import { ManualClock } from '../src/timers.js';

const plain = pc.createColors(false);
const T0 = Date.UTC(2026, 0, 1);

function end(board: string, outcome: BoardResult['outcome']): BatchEvent {
  const at = new Date(T0).toISOString();
  const result: BoardResult = {
    id: board,
    device: board,
    transport: 'softap',
    outcome,
    attempts: 1,
    phases: {},
    startedAt: at,
    endedAt: at,
  };
  return { type: 'board-end', board, result };
}
const start = (board: string, attempt = 1): BatchEvent => ({ type: 'board-start', board, attempt });
const progress = (board: string, type: 'handshake-start' | 'config-applied'): BatchEvent =>
  type === 'handshake-start'
    ? { type: 'board-progress', board, event: { type, security: 2 } }
    : { type: 'board-progress', board, event: { type, network: 'wifi' } };

describe('renderTable', () => {
  it('counts, rate and ETA, then the boards in flight with phase and elapsed time', () => {
    const s = emptyState(10, T0);
    applyEvent(s, start('a'), T0);
    applyEvent(s, start('bb'), T0 + 1000);
    applyEvent(s, progress('a', 'handshake-start'), T0 + 1500);
    applyEvent(s, progress('bb', 'config-applied'), T0 + 2000);
    for (const [id, o] of [
      ['c', 'provisioned'],
      ['d', 'provisioned'],
      ['e', 'failed'],
      ['f', 'skipped'],
    ] as const)
      applyEvent(s, end(id, o), T0);
    applyEvent(s, { type: 'board-retry', board: 'a', attempt: 1, code: 'TIMEOUT', delayMs: 800 }, T0 + 3000);
    assert.deepEqual(renderTable(s, T0 + 4000, { colors: plain, width: 120 }), [
      '2/10 provisioned · 1 failed · 1 skipped · 6 remaining (2 in flight) · 0.8/s · ETA 8.0 s · 4.0 s',
      '  a   retry in 0.8 s (TIMEOUT)  4.0 s',
      '  bb  joining         3.0 s',
    ]);
    assert.deepEqual(renderTable(s, T0 + 4000, { colors: plain, width: 120, final: true }), [
      '2/10 provisioned · 1 failed · 1 skipped · 6 remaining (2 in flight) · 0.8/s · 4.0 s',
    ]);
  });

  it('a discovery without --count has no total: counts and boards in flight, no remaining or ETA', () => {
    const s = emptyState(undefined, T0);
    applyEvent(s, start('PROV_1'), T0);
    applyEvent(s, end('PROV_0', 'provisioned'), T0);
    assert.deepEqual(renderTable(s, T0 + 2000, { colors: plain, width: 120 }), [
      '1 provisioned · 1 in flight · 0.5/s · 2.0 s',
      '  PROV_1  connecting      2.0 s',
    ]);
  });

  it('fits the terminal: lines cut to its width, at most MAX_ROWS boards, device text escaped', () => {
    const s = emptyState(100, T0);
    for (let i = 0; i < MAX_ROWS + 5; i++) applyEvent(s, start(`board-${i}`), T0 + i);
    applyEvent(s, start('evil\u001b]0;pwned\u0007'), T0 - 1);
    const lines = renderTable(s, T0 + 100, { colors: plain, width: 40 });
    assert.equal(lines.length, 1 + MAX_ROWS + 1);
    assert.match(lines.at(-1)!, /… and 6 more in flight/);
    for (const l of lines) assert.ok([...l].length <= 40, l);
    assert.ok(!lines.join('').includes('\u001b'), 'no control character reaches the terminal');
    assert.match(lines[1]!, /evil\\x1b/);
  });
});

class Screen {
  text = '';
  write(s: string): void {
    this.text += s;
  }
  frames(): number {
    return this.text.split(' provisioned').length - 1;
  }
}

function exitHook(): {
  fns: Set<() => void>;
  on: (e: 'exit', f: () => void) => void;
  off: (e: 'exit', f: () => void) => void;
} {
  const fns = new Set<() => void>();
  return { fns, on: (_e, f) => void fns.add(f), off: (_e, f) => void fns.delete(f) };
}

describe('LiveTable', () => {
  it('draws at most one frame per MIN_FRAME_MS however many events arrive', () => {
    const clock = new ManualClock(T0);
    const screen = new Screen();
    const t = new LiveTable({ stream: screen, colors: plain, total: 300, clock, exitHook: exitHook() });
    for (let i = 0; i < 300; i++) {
      t.event(start(`b${i}`));
      clock.advance(1);
    }
    assert.ok(screen.frames() <= Math.ceil(300 / MIN_FRAME_MS) + 1, `${screen.frames()} frames`);
    assert.ok(screen.frames() >= 2);
    t.end();
  });

  it('erases itself before a permanent line, leaves its final frame, shows the cursor again', () => {
    const clock = new ManualClock(T0);
    const screen = new Screen();
    const hook = exitHook();
    const t = new LiveTable({ stream: screen, colors: plain, total: 2, clock, exitHook: hook });
    assert.ok(screen.text.startsWith('\u001b[?25l'), 'cursor hidden while the table is up');
    t.event(start('a'));
    clock.advance(0);
    assert.match(screen.text, /0\/2 provisioned.*\n {2}a {2}connecting/s);
    screen.text = '';
    t.above(() => screen.write('provisioned a\n'));
    t.event(end('a', 'provisioned'));
    t.end();
    // The permanent line stays; the final frame (counts only) follows it, then the cursor comes back.
    assert.equal(
      screen.text,
      '\u001b[2F\u001b[0Jprovisioned a\n1/2 provisioned · 1 remaining (0 in flight) · 0.0 s\n\u001b[?25h',
    );
    assert.equal(hook.fns.size, 0, 'the exit hook is removed once the cursor is back');
    clock.advance(5000);
    assert.ok(screen.text.endsWith('\u001b[?25h'), 'no frame after the end');
  });

  it('a process that exits with the table up (a second Ctrl-C) gets its cursor back', () => {
    const screen = new Screen();
    const hook = exitHook();
    new LiveTable({ stream: screen, colors: plain, total: 1, clock: new ManualClock(T0), exitHook: hook });
    for (const f of hook.fns) f();
    assert.ok(screen.text.endsWith('\u001b[?25h'));
  });
});
