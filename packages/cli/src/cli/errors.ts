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

const SYSTEM_REASONS: Record<string, string> = {
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EEXIST: "already exists",
  ENOENT: "no such file or directory",
  ENOTDIR: "not a directory",
  EISDIR: "is a directory",
  ENOSPC: "no space left on device",
  EDQUOT: "disk quota exceeded",
  EROFS: "read-only file system",
  EMFILE: "too many open files",
  EIO: "input/output error",
};

/** Why a file-system call failed, in words; undefined when `e` is no such failure. */
export function systemReason(e: unknown): string | undefined {
  const { code, syscall } = e as NodeJS.ErrnoException;
  if (typeof code !== "string") return undefined;
  if (code === "EEXIST" && syscall === "mkdir") return "exists and is not a directory";
  return SYSTEM_REASONS[code] ?? (e as Error).message;
}

/** "PATH: reason" for a failed file-system call (as other command-line tools say it), or undefined. */
export function describeSystemError(e: unknown): string | undefined {
  const { path } = e as NodeJS.ErrnoException;
  const reason = systemReason(e);
  return typeof path === "string" && reason !== undefined ? `${path}: ${reason}` : undefined;
}
