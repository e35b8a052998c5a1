/**
 * Why the embedded Postgres cannot run here, as one sentence that says what to change. Start-up
 * prints it instead of a stack trace: it is the operator's to act on, not a bug to debug.
 */
export class EmbeddedPostgresError extends Error {
  override readonly name = 'EmbeddedPostgresError';
}

/** The first line of what a failed command or system call said, for inside such a sentence. */
export function reasonOf(error: unknown): string {
  const err = error as { stderr?: string; message?: string };
  const text = err.stderr?.trim() || err.message || String(error);
  return text.split('\n')[0]!.trim();
}

/** An error of the operating system (a failed mkdir, copy, chown, connect), as opposed to a bug. */
export const isSystemError = (error: unknown): error is NodeJS.ErrnoException =>
  typeof (error as NodeJS.ErrnoException | undefined)?.syscall === 'string';
