/**
 * A progress line on stderr for long work: bytes, rate and ETA, redrawn at
 * most ten times a second, only when stderr is a terminal; silent otherwise.
 */
import type { ByteSource } from "@qber/core";

export interface Progress {
  update(bytes: number): void;
  done(): void;
}

const silent: Progress = { update: () => {}, done: () => {} };

function human(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let u = 0;
  while (n >= 1024 && u < units.length - 1) {
    n /= 1024;
    u++;
  }
  return `${n.toFixed(u === 0 ? 0 : 1)} ${units[u]}`;
}

export function progress(label: string, total: number | undefined, quiet = false): Progress {
  const err = process.stderr;
  if (quiet || !err.isTTY) return silent;
  const start = Date.now();
  let last = 0;
  let drawn = false;
  return {
    update(bytes) {
      const now = Date.now();
      // Nothing for the first moment: short work shows no bar, and the rate needs time to mean something.
      if (now - last < 100 || now - start < 300) return;
      last = now;
      const secs = (now - start) / 1000;
      const rate = secs > 0 ? bytes / secs : 0;
      let line = `${label} ${human(bytes)}`;
      if (total) {
        const pct = Math.min(100, (bytes / total) * 100);
        const width = 24;
        const filled = Math.round((pct / 100) * width);
        const eta = rate > 0 ? Math.max(0, (total - bytes) / rate) : 0;
        line = `${label} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${pct.toFixed(0)}% ${human(bytes)}/${human(total)} ${human(rate)}/s ETA ${eta.toFixed(0)}s`;
      } else {
        line += ` ${human(rate)}/s`;
      }
      // A pty with no size reports 0 columns: do not cut the line then.
      const width = err.columns > 20 ? err.columns - 1 : line.length;
      err.write(`\r${line.slice(0, width)}\x1b[K`);
      drawn = true;
    },
    done() {
      if (drawn) err.write("\r\x1b[K");
    },
  };
}

/** Passes a source's chunks through, showing the bytes read so far on `bar`. */
export async function* counted(source: ByteSource, bar: Progress): AsyncGenerator<Uint8Array, void, undefined> {
  let bytes = 0;
  for await (const chunk of source instanceof Uint8Array ? [source] : source) {
    bytes += chunk.length;
    bar.update(bytes);
    yield chunk;
  }
}
