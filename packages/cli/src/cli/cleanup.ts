/**
 * What the running command has made on disk and must take back unless it
 * finishes: temporary files, outputs already renamed into place, folders it
 * created. Every writer registers a path here before it creates it; a
 * failure or an interruption then removes the lot, newest first (a folder
 * after the files in it), so neither leaves anything behind. Everything is
 * synchronous: a signal handler runs the removal just before the process
 * ends, and a registration done in the same tick as the creation cannot be
 * overtaken by a signal.
 */
import { mkdirSync, renameSync, rmdirSync, unlinkSync } from "node:fs";
import { dirname, resolve } from "node:path";

interface Made {
  readonly path: string;
  readonly kind: "file" | "folder";
}

const made: Made[] = [];

/** Registers a file the command is about to create. */
export function madeFile(path: string): void {
  made.push({ path, kind: "file" });
}

/** Registers a folder the command has just created (in the same tick). */
export function madeFolder(path: string): void {
  made.push({ path, kind: "folder" });
}

/** Forgets a path: the command removed it itself. */
export function forget(path: string): void {
  for (let i = made.length - 1; i >= 0; i--) if (made[i]!.path === path) made.splice(i, 1);
}

/** Renames a file the command made (a finished temporary to its output name); the new name is taken back like the old. */
export function moveMade(from: string, to: string): void {
  renameSync(from, to);
  forget(from);
  madeFile(to);
}

/** Creates a folder and any missing parents, registering each folder created. */
export function makeFolder(path: string): void {
  const first = mkdirSync(path, { recursive: true });
  if (first === undefined) return;
  const created: string[] = [];
  for (let dir = resolve(path); ; dir = dirname(dir)) {
    created.unshift(dir);
    if (dir === resolve(first) || dirname(dir) === dir) break;
  }
  for (const dir of created) madeFolder(dir);
}

/**
 * Removes everything registered, newest first. A folder is removed only when
 * empty: whatever else was put in it is not the command's to delete.
 */
export function removeMade(): void {
  for (const m of made.splice(0).reverse()) {
    try {
      if (m.kind === "file") unlinkSync(m.path);
      else rmdirSync(m.path);
    } catch {
      // already gone, or a folder someone else wrote into: leave it
    }
  }
}

/** The command finished: what it made stays. */
export function keepMade(): void {
  made.length = 0;
}
