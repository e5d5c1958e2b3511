/**
 * A command's options as one typed table: each entry names its spellings, its help, and how its text becomes a
 * value. Commander still parses; `bindOptions` registers the table on a command and returns a reader that gives
 * the command a typed object, so no command reads commander's string-keyed results itself.
 *
 * Spellings: the first two go on one commander option (the help shows both, e.g. `--sec_ver, --sec-ver`);
 * further ones (sim's `--sec`, kept beside `--sec_ver`) are hidden options that store into the same entry.
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import { EspProvError } from '../errors.js';

export interface OptionSpec<T> {
  /** Every accepted spelling, the preferred ones first. */
  readonly names: readonly string[];
  /** Value placeholder (`<n>`); absent for a switch. */
  readonly arg?: string;
  readonly help: string;
  /** Help section heading (`Security:`). */
  readonly group?: string;
  /** Parser for each occurrence; `previous` is the value so far (for repeatable options). */
  readonly parse?: (raw: string, previous: unknown) => unknown;
  /** Commander's stored value (undefined when the option is absent) → the typed value. */
  readonly value: (stored: unknown) => T;
}

export type OptionTable = Readonly<Record<string, OptionSpec<unknown>>>;
export type OptionValues<Tbl extends OptionTable> = {
  -readonly [K in keyof Tbl]: Tbl[K] extends OptionSpec<infer T> ? T : never;
};

interface Common {
  help: string;
  group?: string;
  /**
   * A secret's value never appears in a message: commander's "argument 'x' is invalid" would echo it, so the
   * parser's complaint is reported under the option's name alone.
   */
  secret?: boolean;
}

function withGroup(c: Common): { help: string; group?: string } {
  return c.group === undefined ? { help: c.help } : { help: c.help, group: c.group };
}

function guard<T>(names: readonly string[], c: Common, parse: (raw: string) => T): (raw: string) => T {
  if (!c.secret) return parse;
  return (raw) => {
    try {
      return parse(raw);
    } catch (e) {
      if (!(e instanceof InvalidArgumentError)) throw e;
      throw new EspProvError('USAGE', `${names[0]}: ${e.message}`);
    }
  };
}

/** A switch: true when given. */
export function flag(names: readonly string[], c: Common): OptionSpec<boolean> {
  return { names, ...withGroup(c), value: (v) => v === true };
}

/** `--no-x`: true unless given. */
export function negatable(name: `--no-${string}`, c: Common): OptionSpec<boolean> {
  return { names: [name], ...withGroup(c), value: (v) => v !== false };
}

/** Text, checked by `check` (which may throw InvalidArgumentError or EspProvError). */
export function text(
  names: readonly string[],
  arg: string,
  c: Common & { check?: (raw: string) => string },
): OptionSpec<string | undefined> {
  const parse = guard(names, c, c.check ?? ((raw: string) => raw));
  return { names, arg, ...withGroup(c), parse, value: (v) => (typeof v === 'string' ? v : undefined) };
}

/**
 * A parsed value. Commander stores exactly what `parse` returned (or nothing), so the conversion back to `T` is
 * sound; it is the one place where the table trusts commander's storage.
 */
export function parsed<T>(
  names: readonly string[],
  arg: string,
  c: Common & { parse: (raw: string) => T; default: NoInfer<T>; defaultText?: string },
): OptionSpec<T>;
export function parsed<T>(
  names: readonly string[],
  arg: string,
  c: Common & { parse: (raw: string) => T },
): OptionSpec<T | undefined>;
export function parsed<T>(
  names: readonly string[],
  arg: string,
  c: Common & { parse: (raw: string) => T; default?: T; defaultText?: string },
): OptionSpec<T | undefined> {
  const shown = c.defaultText ?? (c.default === undefined ? undefined : String(c.default));
  const help = shown === undefined ? c.help : `${c.help} (default ${shown})`;
  const parse = guard(names, c, c.parse);
  return {
    names,
    arg,
    ...withGroup({ ...c, help }),
    parse,
    value: (v) => (v === undefined ? c.default : (v as T)),
  };
}

/** One of a fixed set of words; `normalize` maps spellings (case, aliases) first. */
export function oneOf<C extends string>(
  names: readonly string[],
  arg: string,
  c: Common & { choices: readonly C[]; default: C; normalize?: (raw: string) => string },
): OptionSpec<C> {
  const parse = (raw: string): C => {
    const v = c.normalize ? c.normalize(raw) : raw;
    const found = c.choices.find((x) => x === v);
    if (found === undefined) throw new InvalidArgumentError(`${names[0]} must be one of ${c.choices.join(', ')}.`);
    return found;
  };
  return parsed(names, arg, { ...c, parse });
}

/** Repeatable: every occurrence, in order. */
export function list<T>(
  names: readonly string[],
  arg: string,
  c: Common & { parse: (raw: string) => T },
): OptionSpec<T[]> {
  const one = guard(names, c, c.parse);
  return {
    names,
    arg,
    ...withGroup(c),
    parse: (raw, previous) => [...(Array.isArray(previous) ? (previous as T[]) : []), one(raw)],
    value: (v) => (Array.isArray(v) ? (v as T[]) : []),
  };
}

function commanderOption(names: readonly string[], arg: string | undefined, help: string): Option {
  return new Option(`${names.join(', ')}${arg === undefined ? '' : ` ${arg}`}`, help);
}

/**
 * Registers the table's options on `cmd` (in table order, grouped by `group`) and returns the reader for the
 * action handler. A value given under two spellings of one entry (`--sec 1 --sec_ver 2`) is a usage error.
 */
export function bindOptions<Tbl extends OptionTable>(cmd: Command, table: Tbl): () => OptionValues<Tbl> {
  const registered = new Map<string, Option[]>();
  const attributes = new Set<string>();
  for (const [key, spec] of Object.entries(table)) {
    const extra = spec.names.slice(2);
    const help = extra.length > 0 ? `${spec.help} (also ${extra.join(', ')})` : spec.help;
    const options = [commanderOption(spec.names.slice(0, 2), spec.arg, help)];
    for (let i = 0; i < extra.length; i += 2) {
      options.push(commanderOption(extra.slice(i, i + 2), spec.arg, help).hideHelp());
    }
    for (const o of options) {
      if (spec.parse) o.argParser(spec.parse);
      if (spec.group !== undefined) o.helpGroup(spec.group);
      if (attributes.has(o.attributeName())) throw new Error(`option table: ${o.flags} stored twice`);
      attributes.add(o.attributeName());
      cmd.addOption(o);
    }
    registered.set(key, options);
  }
  return () => {
    const out: Record<string, unknown> = {};
    for (const [key, spec] of Object.entries(table)) {
      const options = registered.get(key) ?? [];
      const given = options.filter((o) => cmd.getOptionValueSource(o.attributeName()) === 'cli');
      if (given.length > 1) {
        throw new EspProvError('USAGE', `${spec.names.join(', ')} name one option; give it once`);
      }
      const from = given[0] ?? options[0];
      out[key] = spec.value(from === undefined ? undefined : cmd.getOptionValue(from.attributeName()));
    }
    return out as OptionValues<Tbl>;
  };
}
