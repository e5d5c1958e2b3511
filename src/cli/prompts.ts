/**
 * Questions to a person at a terminal. @inquirer/prompts (~100 ms to load) is imported on the first question
 * only, and only ever on a TTY: with piped stdin it would still draw cursor codes (research/deps.md §5).
 * Prompts draw on stderr so that stdout keeps only results. Ctrl-C inside a prompt (the terminal is in raw
 * mode, so no SIGINT is raised) and the run's AbortSignal both end as CANCELLED; the input ending (Ctrl-D)
 * ends as MISSING_INPUT.
 */
import type * as InquirerModule from '@inquirer/prompts';
import { EspProvError } from '../errors.js';

export interface PromptIo {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  signal: AbortSignal;
}

export interface SelectChoice<T> {
  value: T;
  name: string;
  description?: string;
  disabled?: boolean | string;
}

export type ChoiceOrSeparator<T> = SelectChoice<T> | { separator: string };

export interface Prompter {
  /** Hidden input; `validate` returns an error text or true. */
  secret(message: string, validate?: (v: string) => true | string): Promise<string>;
  text(message: string, validate?: (v: string) => true | string): Promise<string>;
  select<T>(message: string, choices: readonly ChoiceOrSeparator<T>[], pageSize?: number): Promise<T>;
  confirm(message: string, defaultValue: boolean): Promise<boolean>;
}

type Inquirer = typeof InquirerModule;

/**
 * How a prompt ended without an answer. Ctrl-C reaches inquirer as readline's SIGINT and a signal through
 * signal-exit: both name the signal in the ExitPromptError. The input ending (Ctrl-D on an empty line, a
 * closed pty) closes readline without an answer; the prompt then only settles when the process is about to
 * exit (signal-exit reports "0 null"). That is a question left unanswered, not an interruption: it ends as
 * MISSING_INPUT (exit 2), the code of the value that was being asked for, not CANCELLED (130).
 */
function unanswered(message: string, signal: AbortSignal): (e: unknown) => never {
  return (e) => {
    const err = e as { name?: string; message?: string } | null;
    const name = err?.name;
    const bySignal = /\bSIG[A-Z]+\b/.test(err?.message ?? '');
    if (name === 'ExitPromptError' && !bySignal && !signal.aborted) {
      throw new EspProvError('MISSING_INPUT', `the input ended before an answer to "${message}"`, {
        cause: e,
        details: { inputEnded: true },
      });
    }
    if (name === 'ExitPromptError' || name === 'AbortPromptError' || name === 'CancelPromptError') {
      throw new EspProvError('CANCELLED', 'cancelled at the prompt', { cause: e });
    }
    throw e;
  };
}

export function createPrompter(io: PromptIo): Prompter {
  let loaded: Promise<Inquirer> | undefined;
  const lib = (): Promise<Inquirer> => (loaded ??= import('@inquirer/prompts'));
  const context = { input: io.input, output: io.output, signal: io.signal, clearPromptOnDone: false };
  return {
    async secret(message, validate) {
      const { password } = await lib();
      return password({ message, mask: false, toggleMask: false, ...(validate ? { validate } : {}) }, context).catch(
        unanswered(message, io.signal),
      );
    },
    async text(message, validate) {
      const { input } = await lib();
      return input({ message, ...(validate ? { validate } : {}) }, context).catch(unanswered(message, io.signal));
    },
    async select<T>(message: string, choices: readonly ChoiceOrSeparator<T>[], pageSize?: number): Promise<T> {
      const { select, Separator } = await lib();
      const list = choices.map((ch) => ('separator' in ch ? new Separator(ch.separator) : ch));
      return select<T>(
        { message, choices: list, loop: false, pageSize: pageSize ?? Math.min(15, Math.max(7, list.length)) },
        context,
      ).catch(unanswered(message, io.signal));
    },
    async confirm(message, defaultValue) {
      const { confirm } = await lib();
      return confirm({ message, default: defaultValue }, context).catch(unanswered(message, io.signal));
    },
  };
}
