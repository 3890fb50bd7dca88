// The flag parsing every `tollgate` subcommand of this folder (and check) starts with: strict
// flags, no positionals, and one line plus a pointer to --help for a wrong one (the caller exits 2).
import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

/** The flags' values; undefined after printing why they are wrong. */
export function parseFlags<const T extends Options>(argv: string[], options: T, command: string, print: (text: string) => void) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    print(`error: ${error instanceof Error ? error.message : String(error)}\nRun 'tollgate ${command} --help' for usage.`);
    return undefined;
  }
}
