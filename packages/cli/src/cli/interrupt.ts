/**
 * How the command ends when it is told to stop. SIGINT, SIGTERM and SIGHUP
 * remove what it made (cleanup.ts), print "qber: interrupted" and end the
 * process by the same signal, so that the shell sees 128 + its number (130,
 * 143, 129) and a script running qber stops as it would for any program.
 * The signal is raised again, rather than process.exit(128 + n), because
 * exit waits for libuv's worker threads, and one of them may be blocked
 * reading a pipe whose writer paused: the process would hang until the
 * writer went on. A closed stdout (EPIPE: `qber ... | head`) removes what
 * was made too, and ends quietly, as other tools do.
 */
import { writeSync } from "node:fs";
import { constants } from "node:os";
import { removeMade } from "./cleanup.js";

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

function interrupted(signal: (typeof SIGNALS)[number]): void {
  removeMade();
  try {
    // Synchronous: the process ends right after. On a terminal, the line replaces a progress line.
    writeSync(2, `${process.stderr.isTTY ? "\r\x1b[K" : ""}qber: interrupted\n`);
  } catch {
    // stderr closed or full: the exit status still tells
  }
  // The handler was registered with once: the signal's default action (end the process) is back.
  process.kill(process.pid, signal);
  // Reached only if another thread takes the signal, a moment later.
  process.exit(128 + constants.signals[signal]);
}

export function endOnInterrupt(): void {
  for (const signal of SIGNALS) process.once(signal, interrupted);
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code !== "EPIPE") throw e;
    removeMade();
    process.exit(process.exitCode ?? 0);
  });
}
