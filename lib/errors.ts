/**
 * An error the user can fix (a wrong path, a missing table, a malformed CSV): the CLI prints its message
 * without a stack trace and exits non-zero. Anything else is a bug and keeps its stack.
 */
export class UserError extends Error {
  override readonly name = "UserError";
  constructor(
    message: string,
    readonly exitCode = 1,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
