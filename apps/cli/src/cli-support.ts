/**
 * What every `digitlab` subcommand shares: argument parsing with `--config FILE` (keys match the
 * flags), one logger on stderr, `--json` output (exactly one object on stdout) and exit codes
 * (0 ok, 1 failure, 2 bad usage).
 */
import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { DigitlabError, describeFileError } from '@digitlab/errors';

import { ExitCode, UsageError, exitCodeFor } from './exit-codes.js';

export { ExitCode, UsageError };

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * Parses `argv` against `options`. A `--config FILE` (JSON) supplies defaults whose keys match the
 * long flag names (`batch-size` or `batchSize`); flags on the command line win.
 */
export function parseCommandArgs<T extends Options>(
  argv: string[],
  options: T,
  { allowPositionals = false }: { allowPositionals?: boolean } = {},
): { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] } {
  let parsed;
  try {
    parsed = parseArgs({ args: withNegativeValues(argv, options), options: { ...options, config: { type: 'string' }, verbose: { type: 'boolean' } }, allowPositionals, strict: true });
  } catch (error) {
    throw new UsageError(explainParseError(error as Error & { code?: string }, argv, options), { cause: error });
  }
  const values = { ...(parsed.values as Record<string, string | boolean | string[] | undefined>) };
  // --verbose raises the one logger to debug for the whole command (full backend reasons included).
  if (values.verbose === true) process.env.DIGITLAB_LOG_LEVEL = 'debug';
  delete values.verbose;
  const configPath = values.config;
  if (typeof configPath === 'string') {
    let config: Record<string, unknown>;
    try {
      config = JSON.parse(readFileSync(configPath, 'utf8')) as Record<string, unknown>;
    } catch (error) {
      const why = error instanceof SyntaxError ? `not valid JSON (${error.message})` : describeFileError(error, configPath).slice(configPath.length + 2);
      throw new UsageError(`cannot read --config "${configPath}": ${why} Pass a JSON file whose keys match the flags.`, { cause: error });
    }
    if (typeof config !== 'object' || config === null || Array.isArray(config)) {
      throw new UsageError(`--config "${configPath}" holds ${Array.isArray(config) ? 'an array' : JSON.stringify(config)}, not an object. Pass a JSON object whose keys match the flags, e.g. {"epochs": 3}.`);
    }
    const known = new Map(Object.keys(options).map((flag) => [camel(flag), flag]));
    for (const [key, value] of Object.entries(config)) {
      const flag = known.get(camel(key));
      if (!flag) throw new UsageError(`--config "${configPath}": unknown key "${key}". Should be one of: ${Object.keys(options).join(', ')}`);
      if (values[flag] === undefined) values[flag] = typeof value === 'boolean' || Array.isArray(value) ? (value as boolean | string[]) : String(value);
    }
  }
  return { values, positionals: parsed.positionals };
}

/**
 * parseArgs's messages ("Unknown option '--epoch'", "Option '--epochs <value>' argument missing")
 * with the fix: the closest known flag, or an example value.
 */
function explainParseError(error: Error & { code?: string }, argv: readonly string[], options: Options): string {
  const flags = Object.keys(options).map((name) => `--${name}`);
  if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const given = /'([^']+)'/.exec(error.message)?.[1] ?? '';
    const close = flags.filter((flag) => editDistance(flag, given.split('=')[0] as string) <= 2);
    return `unknown option "${given}". ${close.length > 0 ? `Did you mean ${close.join(' or ')}? ` : ''}Known options: ${flags.join(', ')}.`;
  }
  if (error.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const flag = /--[\w-]+/.exec(error.message)?.[0] ?? 'the option';
    return `${flag} needs a value (${error.message}). Give one after it, e.g. ${flag} 3, or drop the flag.`;
  }
  if (error.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    const stray = argv.find((arg) => !arg.startsWith('-') && error.message.includes(`'${arg}'`)) ?? /'([^']+)'/.exec(error.message)?.[1] ?? '';
    return `unexpected argument "${stray}": this command takes options only. Put it after the flag it belongs to (e.g. --data ${stray}).`;
  }
  return error.message;
}

/** Levenshtein distance, for "did you mean" on flag names (short strings only). */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length] as number;
}

/**
 * `--lr -0.1` would make parseArgs say "argument is ambiguous" (a value that looks like a flag);
 * joining it as `--lr=-0.1` lets the number reach its flag, whose own check then names the problem.
 */
function withNegativeValues(argv: readonly string[], options: Options): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = argv[i + 1];
    const name = arg.startsWith('--') ? arg.slice(2) : undefined;
    if (name && options[name]?.type === 'string' && next !== undefined && /^-\d|^-\.\d/.test(next)) {
      out.push(`${arg}=${next}`);
      i += 1;
    } else {
      out.push(arg);
    }
  }
  return out;
}

function camel(flag: string): string {
  return flag.replace(/-([a-z])/g, (_match, letter: string) => letter.toUpperCase());
}

/** Parses a numeric flag, or throws a UsageError naming it. */
export function numberFlag(values: Record<string, unknown>, flag: string, fallback: number, { integer = false, min = -Infinity } = {}): number {
  const raw = values[flag];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < min) {
    throw new UsageError(`--${flag} must be ${integer ? 'an integer' : 'a number'}${min > -Infinity ? ` >= ${min}` : ''}, got "${String(raw)}"`);
  }
  return value;
}

/** Log levels, most quiet first. */
export type LogLevel = 'silent' | 'error' | 'warn' | 'info' | 'debug';
const levels: LogLevel[] = ['silent', 'error', 'warn', 'info', 'debug'];

/** The one logger: everything human goes to stderr, so `--json` stdout stays one object. */
export function createLogger(level: LogLevel = (process.env.DIGITLAB_LOG_LEVEL as LogLevel | undefined) ?? 'info') {
  const at = levels.indexOf(level);
  const write = (threshold: LogLevel) => (message: string) => {
    if (levels.indexOf(threshold) <= at) process.stderr.write(`${message}\n`);
  };
  return { error: write('error'), warn: write('warn'), info: write('info'), debug: write('debug') };
}
export type Logger = ReturnType<typeof createLogger>;

/** Prints exactly one JSON object on stdout. */
export function writeJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Runs a command: `--help`/`-h` prints `usage` and exits 0; otherwise runs `body` and maps what it
 * throws to an exit code (`exitCodeFor`: 2 for usage codes, 1 otherwise) and a message on stderr.
 * Under `--json` the error is also printed as `{ error: { name, code, message } }` on stdout, so
 * stdout always holds one JSON object.
 */
export async function runCommand(
  name: string,
  argv: string[],
  usage: string,
  body: (context: { json: boolean }) => Promise<number | void>,
): Promise<number> {
  if (wantsHelp(argv)) {
    process.stdout.write(usage);
    return ExitCode.ok;
  }
  const json = argv.includes('--json');
  try {
    return (await body({ json })) ?? ExitCode.ok;
  } catch (error) {
    const exitCode = exitCodeFor(error);
    const message = withResourceHint(error instanceof Error ? error.message : String(error), argv);
    process.stderr.write(`digitlab ${name}: ${message}\n`);
    if (exitCode === ExitCode.usage) process.stderr.write(`Run "digitlab ${name} --help" for usage.\n`);
    if (json) {
      const code = DigitlabError.isInstance(error) ? error.code : undefined;
      writeJson({ error: { name: error instanceof Error ? error.name : 'Error', ...(code ? { code } : {}), message } });
    }
    return exitCode;
  }
}

/** How engines say they ran out of memory: wasm's heap, V8's typed arrays, tfjs-node's allocator. */
const outOfMemory = /memory access out of bounds|out of memory|Array buffer allocation failed|Invalid typed array length|Cannot allocate|outside the bounds of the buffer|\bOOM\b/i;

/** An out-of-memory message with the knob that fixes it: `--batch-size`, quoting the value given. */
function withResourceHint(message: string, argv: readonly string[]): string {
  if (!outOfMemory.test(message)) return message;
  const index = argv.findIndex((arg) => arg === '--batch-size' || arg.startsWith('--batch-size='));
  const given = index < 0 ? undefined : argv[index]!.includes('=') ? argv[index]!.split('=')[1] : argv[index + 1];
  return `ran out of memory (${message})${given === undefined ? '' : ` with --batch-size ${given}`}. Lower --batch-size (e.g. 128), or use --backend tensorflow, which is not bound by the 4 GB wasm heap.`;
}

/** True when `--help` or `-h` is among the arguments. */
function wantsHelp(argv: string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}
