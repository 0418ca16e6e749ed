/** publint and attw are clean for every published package. */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

it("publint --strict and attw --pack report nothing for any package", () => {
  const script = fileURLToPath(new URL("./lint.sh", import.meta.url));
  const r = spawnSync("bash", [script], { encoding: "utf8" });
  expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
  expect(r.stdout).not.toMatch(/error|warning/i);
}, 180_000);
