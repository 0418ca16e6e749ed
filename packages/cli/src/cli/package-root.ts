/**
 * The folder of @qber/cli's package.json, found by walking up from this
 * module, which sits at a different depth in src/cli/, dist/cli/ and the
 * bundle dist/qber.mjs. The version and the shipped docs are read from it.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const PACKAGE_NAME = "@qber/cli";

export function packageRoot(from: string = fileURLToPath(import.meta.url)): string {
  for (let dir = dirname(from); ; dir = dirname(dir)) {
    try {
      const json = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: unknown };
      if (json.name === PACKAGE_NAME) return dir;
    } catch {
      // no package.json here (or not ours): look one folder up
    }
    if (dirname(dir) === dir) throw new Error(`${PACKAGE_NAME}: package.json not found above ${from}`);
  }
}
