/** The command's version: the one in @qber/cli's package.json. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "./package-root.js";

export function packageVersion(): string {
  const json = JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")) as { version?: unknown };
  if (typeof json.version !== "string") throw new Error("@qber/cli: package.json has no version");
  return json.version;
}
