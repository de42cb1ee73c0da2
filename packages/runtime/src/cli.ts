import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** An error class whose message is the whole story for an operator (no stack trace). */
type Known = abstract new (...args: never[]) => Error;

export interface CliOptions {
  /** What the command does, in the failure line: "<what> failed: …". */
  readonly what: string;
  /** Errors of the operator's own making (bad arguments, bad environment): their message, exit code 2. */
  readonly usage?: readonly Known[];
  /** Errors that say all there is to say (a refusal, a conflict): their message, exit code 1. */
  readonly told?: readonly Known[];
}

/**
 * Runs `cli(argv)` when the module at `moduleUrl` is the program node was started with (`node --import tsx x.ts`), and
 * exits with its code; a failure is one line on stderr: the message of a known error, the stack of any other.
 */
export function runCliWhenMain(moduleUrl: string, cli: (argv: string[]) => Promise<number>, options: CliOptions): void {
  if (process.argv[1] === undefined || resolve(process.argv[1]) !== fileURLToPath(moduleUrl)) return;
  cli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      const isUsage = (options.usage ?? []).some((k) => err instanceof k);
      const told = isUsage || (options.told ?? []).some((k) => err instanceof k);
      const text = err instanceof Error ? (told ? err.message : (err.stack ?? err.message)) : String(err);
      process.stderr.write(`${options.what} failed: ${text}\n`);
      process.exit(isUsage ? 2 : 1);
    },
  );
}
