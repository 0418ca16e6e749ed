/**
 * libvirt save images of a 1 GiB guest (a quarter-GiB pattern load at
 * LOAD_AT, the rest zero), compressed with gzip and xz as libvirt does
 * (`gzip -c`, `xz -3 -c`): `qber inspect` and `qber import` each within
 * 128 MiB peak RSS, and qber's decompression (the input layer draining the
 * stream inside) within 1.5 times the time of the program alone
 * (`gzip -dc`, `xz -dc`) on the same compressed bytes. Best of `runs`.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openFile } from "@qber/qemu";
import { buildLibvirtSave } from "@qber/qemu/containers";
import { DOMAIN_XML } from "../containers/builders.js";
import { LOAD_AT, measuredScript, readSteps, writeLoad } from "../scale/pipeline.js";
import { type BenchOptions, type BenchResult, type Check, bestOf } from "./types.js";

const MAX_RSS_MIB = 128;
const MAX_SLOWDOWN = 1.5;

function sh(script: string): void {
  const r = spawnSync("bash", ["-o", "pipefail", "-c", script], { encoding: "utf8", maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`${script}: ${r.stderr}`);
}

function have(program: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${program}`]).status === 0;
}

export async function runContainers({ quick }: BenchOptions): Promise<BenchResult> {
  if (!have("xz") || !have("gzip")) return { figures: {}, checks: [], notes: ["containers: gzip or xz not installed"] };
  const dir = mkdtempSync(join(tmpdir(), "qber-bench-containers-"));
  try {
    const load = writeLoad(dir, 0.25);
    const qber = `${process.execPath} ${measuredScript()}`;
    const stream = join(dir, "guest.mig");
    sh(`${qber} compose --machine pc --memory 1024M --load ${LOAD_AT}=${load.path} -o - | ${qber} export - -o ${stream}`);
    const runs = quick ? 1 : 3;
    const figures: Record<string, number> = {};
    const checks: Check[] = [];
    for (const [format, program, args] of [
      ["gzip", "gzip", "-c"],
      ["xz", "xz", "-3 -c"],
    ] as const) {
      const compressed = join(dir, `guest.${format}`);
      sh(`${program} ${args} < ${stream} > ${compressed}`);
      const header = join(dir, "header.bin");
      writeFileSync(header, buildLibvirtSave(DOMAIN_XML, undefined, { littleEndian: true, wasRunning: true, format }));
      const image = join(dir, `guest-${format}.save`);
      sh(`cat ${header} ${compressed} > ${image}`);

      const alone = await bestOf(runs, () => sh(`${program} -dc < ${compressed} > /dev/null`));
      const mine = await bestOf(runs, async () => {
        const input = await openFile(image);
        for await (const chunk of input.source as AsyncIterable<Uint8Array>) void chunk;
      });
      figures[`containers.${format}_decompress_vs_program`] = mine / alone;
      figures[`containers.${format}_program_s`] = alone / 1000;
      checks.push({ name: `${format}: qber's decompression / ${program} -dc alone`, value: mine / alone, max: MAX_SLOWDOWN });

      for (const command of ["inspect", "import"] as const) {
        const log = join(dir, `${command}-${format}.jsonl`);
        const out = command === "import" ? `-o ${join(dir, "guest.ber")}` : "> /dev/null";
        sh(`QBER_MEASURE=${log} ${qber} ${command} ${image} ${out}`);
        const step = readSteps(log)[0]!;
        figures[`containers.${format}_${command}_peak_rss_mib`] = step.peakRssMiB;
        figures[`containers.${format}_${command}_s`] = step.ms / 1000;
        checks.push({ name: `${format}: qber ${command} of a 1 GiB guest's save image, peak RSS (MiB)`, value: step.peakRssMiB, max: MAX_RSS_MIB });
      }
    }
    return { figures, checks };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
