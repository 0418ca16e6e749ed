/** The QEMU captures bundled in fixtures/, by name, for every package's tests. */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The folder of the QEMU 7.2 captures. */
export const qemu72Fixtures: string = fileURLToPath(new URL("../../fixtures/qemu-7.2/", import.meta.url));

/** The path of a QEMU 7.2 capture, e.g. `fixturePath("pc-paused.mig")`. */
export function fixturePath(name: string): string {
  return qemu72Fixtures + name;
}

/** A QEMU 7.2 capture's bytes. */
export function readFixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(fixturePath(name)));
}
