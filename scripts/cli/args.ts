// Argument parsing shared by every command a person types (scripts/*.ts): node:util parseArgs in
// strict mode, plus the behaviour people expect of each of them:
//   --help / -h          the usage on stdout, exit 0
//   an unknown option, a missing or unwanted value, a stray argument, a required option missing
//                        one line naming it, then the usage, on stderr, exit 2; never a stack trace
// A command with subcommands (`eval detect …`) takes its subcommand with `subcommand()` first,
// then parses the rest with `parseCli()` like any other command.
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';

export interface Cli {
  /** How people type it, for the first word of every message: "npm run detect". */
  command: string;
  /** The whole usage text, "usage: …" (several lines are fine). */
  usage: string;
}

export interface CliSpec<O extends ParseArgsOptionsConfig> extends Cli {
  options: O;
  /** Takes file names, URLs… after the options (default false: a stray word is refused). */
  positionals?: boolean;
}

const HELP = { help: { type: 'boolean', short: 'h' } } as const;

type Parsed<O extends ParseArgsOptionsConfig> = ReturnType<typeof parseArgs<{ options: O; allowPositionals: true; strict: true }>>;

/** Parses `args` (default: the process's) or exits: 0 after --help, 2 after any usage error. */
export function parseCli<const O extends ParseArgsOptionsConfig>(spec: CliSpec<O>, args: readonly string[] = process.argv.slice(2)): Parsed<O> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options: { ...spec.options, ...HELP }, allowPositionals: spec.positionals ?? false, strict: true });
  } catch (err) {
    usageError(spec, describeParseError(err));
  }
  const { help, ...values } = parsed.values as Record<string, unknown>;
  if (help) showHelp(spec);
  return { values, positionals: parsed.positionals } as unknown as Parsed<O>;
}

/**
 * The subcommand (the first argument) of a command that has several, and the arguments after it.
 * No subcommand or an unknown one is a usage error; `--help` alone shows the usage.
 */
export function subcommand<S extends string>(cli: Cli, names: readonly S[], args: readonly string[] = process.argv.slice(2)): { name: S; args: string[] } {
  const [first, ...rest] = args;
  if (first === '--help' || first === '-h') showHelp(cli);
  if (first === undefined) usageError(cli, `a command is needed: ${names.join(', ')}`);
  if (!names.includes(first as S)) usageError(cli, `unknown command "${first}" (one of ${names.join(', ')})`);
  return { name: first as S, args: rest };
}

/** One line naming the problem, the usage, exit 2. For what parseArgs cannot check: required options, values. */
export function usageError(cli: Cli, problem: string): never {
  process.stderr.write(`${cli.command}: ${problem}\n${cli.usage}\n`);
  process.exit(2);
}

function showHelp(cli: Cli): never {
  process.stdout.write(`${cli.usage}\n`);
  process.exit(0);
}

/** parseArgs explains at length and suggests `--` tricks; people need the option and what is wrong. */
export function describeParseError(err: unknown): string {
  const e = err as { code?: string; message?: string };
  const message = e.message ?? String(err);
  const quoted = /'([^']+)'/.exec(message)?.[1] ?? '';
  const option = /--[\w-]+/.exec(quoted)?.[0] ?? quoted.split(' ')[0]!;
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${option}`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument "${quoted}"`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (/does not take an argument/.test(message)) return `option ${option} takes no value`;
      return `option ${option} needs a value`;
    default:
      return message.split('\n')[0]!;
  }
}
