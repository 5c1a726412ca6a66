// Command-line flag parsing for the `tributary` CLI (src/cli) and its load generator (src/perf),
// by hand: the grammar is small and a dependency would be one more thing to make work under three
// runtimes. A leaf below both, so that the CLI can import perf without a circle.
//
// Accepted forms: `--name value`, `--name=value`, boolean `--name`; `--` ends flag parsing.
// Unknown flags, missing values and malformed numbers are usage errors (one line, exit 2).

export type FlagType = "string" | "boolean" | "integer";

export interface FlagSpec {
  type: FlagType;
  /** May be given more than once; the value is then an array in command-line order. */
  multiple?: boolean;
}

export type FlagSpecs = Record<string, FlagSpec>;

export type FlagValue = string | boolean | number | string[] | number[];

export interface ParsedArgs {
  positionals: string[];
  flags: Record<string, FlagValue>;
}

/** A mistake on the command line; the CLI prints its message and exits with status 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

const argsCountMax = 10_000;

export function parseArgs(argv: readonly string[], specs: FlagSpecs): ParsedArgs {
  if (argv.length > argsCountMax) throw new UsageError(`too many arguments (${argv.length})`);
  const positionals: string[] = [];
  const flags: Record<string, FlagValue> = {};
  let i = 0;
  while (i < argv.length) {
    const arg = argv[i];
    i++;
    if (arg === "--") {
      positionals.push(...argv.slice(i));
      break;
    }
    if (!arg.startsWith("--") || arg.length === 2) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    const spec = specs[name];
    if (spec === undefined) throw new UsageError(`unknown flag --${name}`);
    let raw: string | undefined = eq === -1 ? undefined : arg.slice(eq + 1);
    if (spec.type === "boolean") {
      flags[name] = parseBoolean(name, raw);
      continue;
    }
    if (raw === undefined) {
      if (i >= argv.length) throw new UsageError(`flag --${name} needs a value`);
      raw = argv[i];
      i++;
    }
    const value = spec.type === "integer" ? parseInteger(name, raw) : raw;
    setFlag(flags, name, spec, value);
  }
  return { positionals, flags };
}

function setFlag(
  flags: Record<string, FlagValue>,
  name: string,
  spec: FlagSpec,
  value: string | number,
): void {
  if (!spec.multiple) {
    if (name in flags) throw new UsageError(`flag --${name} given more than once`);
    flags[name] = value;
    return;
  }
  const list = (flags[name] ?? []) as Array<string | number>;
  list.push(value);
  flags[name] = list as string[] | number[];
}

function parseBoolean(name: string, raw: string | undefined): boolean {
  if (raw === undefined || raw === "true") return true;
  if (raw === "false") return false;
  throw new UsageError(`flag --${name} takes no value (or =true / =false), got "${raw}"`);
}

/** A decimal integer within the safe range; rejects "", "1.5", "1e3", "0x10", " 7". */
export function parseInteger(name: string, raw: string): number {
  if (!/^-?\d{1,16}$/.test(raw)) {
    throw new UsageError(`flag --${name} needs an integer, got "${raw}"`);
  }
  const value = Number(raw);
  if (!Number.isSafeInteger(value)) throw new UsageError(`flag --${name} is out of range: ${raw}`);
  return value;
}

// Typed accessors: the spec already checked types, these only narrow for the compiler.

export function stringFlag(args: ParsedArgs, name: string): string | undefined {
  const value = args.flags[name];
  return typeof value === "string" ? value : undefined;
}

export function intFlag(args: ParsedArgs, name: string): number | undefined {
  const value = args.flags[name];
  return typeof value === "number" ? value : undefined;
}

export function boolFlag(args: ParsedArgs, name: string): boolean {
  return args.flags[name] === true;
}

export function stringList(args: ParsedArgs, name: string): string[] {
  const value = args.flags[name];
  return Array.isArray(value) ? value.map(String) : [];
}

/** Parses `k=v` pairs (topic configs, --config entries); the value may contain '='. */
export function parseKeyValues(pairs: readonly string[], what: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new UsageError(`${what} must look like key=value, got "${pair}"`);
    out[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return out;
}

/** Checks the number of positional arguments after the command words. */
export function expectPositionals(
  args: ParsedArgs,
  names: readonly string[],
  usage: string,
): string[] {
  if (args.positionals.length < names.length) {
    throw new UsageError(`missing ${names[args.positionals.length]}; usage: ${usage}`);
  }
  if (args.positionals.length > names.length) {
    throw new UsageError(
      `unexpected argument "${args.positionals[names.length]}"; usage: ${usage}`,
    );
  }
  return args.positionals;
}
