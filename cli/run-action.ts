import { UserError } from "../lib/errors.ts";

/**
 * Wrap a command's action: a UserError prints as one clear line and sets its exit code; anything else is
 * a bug and prints with its stack. Either way the process exits non-zero.
 */
export function runAction<A extends unknown[]>(
  action: (...args: A) => Promise<void>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await action(...args);
    } catch (error) {
      if (error instanceof UserError) {
        process.stderr.write(`error: ${error.message}\n`);
        process.exitCode = error.exitCode;
      } else {
        process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
        process.exitCode = 1;
      }
    }
  };
}
