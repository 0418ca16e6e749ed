/** A failure the CLI reports in one line, with its exit code (2: usage, 1: input or failure). */
export class UsageError extends Error {
  override readonly name = "UsageError";
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 2,
  ) {
    super(message);
  }
}
