/**
 * Compose, for real: `qber compose --machine pc --memory 32M --load
 * 0x7c00=PROG --entry 0x7c00 --format qemu -o vm.mig` with a boot sector of
 * our own that writes a message to port 0xe9; QEMU 7.2 loads it with
 * `-incoming "exec:cat vm.mig"` and a debugcon on 0xe9, `cont` runs it, and
 * the message appears. A machine with an override of the slave PIC alone
 * (`i8259#1`) shows it in QEMU's `info pic`, the master untouched.
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { requireOracle } from "../oracles/require.js";
// @ts-expect-error plain JS capture tooling
import { HELLO_MESSAGE, helloSector } from "../capture/guest.mjs";
// @ts-expect-error plain JS capture tooling
import { QmpClient } from "../capture/qmp.mjs";

const qemu = process.env.QEMU ?? "qemu-system-x86_64";
const available = (() => {
  try {
    return execFileSync(qemu, ["--version"], { encoding: "utf8" }).includes("version 7.2");
  } catch {
    return false;
  }
})();
const dir = mkdtempSync(join(tmpdir(), "qber-compose-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const qber = fileURLToPath(new URL("../../packages/cli/bin/qber.js", import.meta.url));

interface Qmp {
  execute(command: string, args?: unknown): Promise<unknown>;
  queryStatus(): Promise<{ status: string }>;
  quit(): Promise<void>;
  close(): Promise<void>;
}

/** Starts QEMU on `mig` with -incoming, waits until it is loaded, and gives `use` its QMP connection. */
async function withIncoming<T>(machine: string, mig: string, args: readonly string[], use: (q: Qmp, stderr: () => string) => Promise<T>): Promise<T> {
  const sock = join(dir, `${machine}.sock`);
  const child = spawn(
    qemu,
    [
      "-M",
      machine,
      "-m",
      "32",
      "-nodefaults",
      "-display",
      "none",
      "-accel",
      "tcg",
      ...args,
      "-incoming",
      `exec:cat ${mig}`,
      "-qmp",
      `unix:${sock},server=on,wait=off`,
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  let q: Qmp | undefined;
  try {
    q = (await QmpClient.connect(sock)) as Qmp;
    const t0 = Date.now();
    while ((await q.queryStatus()).status === "inmigrate") {
      if (Date.now() - t0 > 30000) throw new Error(`still loading after 30 s: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return await use(q, () => stderr);
  } finally {
    await q?.quit();
    await q?.close();
    child.kill("SIGTERM");
  }
}

async function runUntil(machine: string, mig: string, out: string): Promise<string> {
  return withIncoming(machine, mig, ["-debugcon", `file:${out}`], async (q, stderr) => {
    await q.execute("cont");
    const t1 = Date.now();
    while (!(existsSync(out) && readFileSync(out, "utf8").includes(HELLO_MESSAGE)) && Date.now() - t1 < 10000) await new Promise((r) => setTimeout(r, 50));
    return existsSync(out) ? readFileSync(out, "utf8") : `(no output) ${stderr()}`;
  });
}

describe.skipIf(!requireOracle("qemu-system-x86_64 7.2", available))("qber compose, loaded by QEMU 7.2", () => {
  for (const machine of ["pc", "q35"]) {
    it(`${machine}: a composed machine runs our boot sector and its message reaches port 0xe9`, async () => {
      const prog = join(dir, "hello.bin");
      writeFileSync(prog, (helloSector() as { sector: Uint8Array }).sector);
      const mig = join(dir, `${machine}.mig`);
      execFileSync(process.execPath, [
        qber,
        "compose",
        "--machine",
        machine,
        "--memory",
        "32M",
        "--load",
        `0x7c00=${prog}`,
        "--entry",
        "0x7c00",
        "--format",
        "qemu",
        "-o",
        mig,
      ]);
      const out = await runUntil(machine, mig, join(dir, `${machine}.out`));
      expect(out).toContain(HELLO_MESSAGE);
    });
  }

  it('pc: devices {"i8259#1": {imr}} changes the slave PIC only, as QEMU\'s info pic shows', async () => {
    const description = join(dir, "pic.json");
    writeFileSync(description, JSON.stringify({ machine: "pc", memory: "32M", devices: { "i8259#1": { imr: "0xa5" } } }));
    const mig = join(dir, "pic.mig");
    execFileSync(process.execPath, [qber, "compose", description, "--format", "qemu", "-o", mig]);
    const info = await withIncoming("pc", mig, [], (q) => q.execute("human-monitor-command", { "command-line": "info pic" }) as Promise<string>);
    // QEMU prints the master as pic0 and the slave (instance 1) as pic1, slave first.
    expect(
      info
        .match(/^pic\d: .*imr=[0-9a-f]{2}/gm)
        ?.map((l) => /^(pic\d).*imr=([0-9a-f]{2})/.exec(l)!.slice(1).join(" "))
        .sort(),
    ).toEqual(["pic0 00", "pic1 a5"]);
  });
});
