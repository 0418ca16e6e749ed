/**
 * libvirt 9.0's daemons for tests, as root, without touching the host's
 * configuration: virtlogd (libvirtd will not start domains without its
 * socket), then libvirtd in a private mount namespace where a qemu.conf of
 * the test's own is bind-mounted over /etc/libvirt/qemu.conf (libvirt 9.0
 * reads `save_image_format` only from there, only at start; `virsh save`
 * has no format option before libvirt 10.x), listening in a temporary
 * directory. Both are children of the test process, stopped by pid.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";

const VIRTLOGD_SOCKET = "/run/libvirt/virtlogd-sock";

function have(program: string, args: string[]): boolean {
  try {
    execFileSync(program, args, { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Whether this host can run the daemons: root, the programs, mount namespaces, QEMU 7.2. */
export function libvirtAvailable(): { ok: boolean; reason?: string } {
  if (process.getuid?.() !== 0) return { ok: false, reason: "needs root" };
  for (const p of ["virsh", "libvirtd", "virtlogd", "unshare"]) {
    if (!have("sh", ["-c", `command -v ${p}`])) return { ok: false, reason: `${p} not found (Debian: libvirt-daemon-system libvirt-clients)` };
  }
  if (!have("unshare", ["-m", "true"])) return { ok: false, reason: "cannot create a mount namespace (unshare -m)" };
  return { ok: true };
}

function socketAnswers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

async function waitFor(what: string, check: () => Promise<boolean> | boolean, child: ChildProcess, log: () => string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await check()) return;
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}: ${log()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not come up in 60 s: ${log()}`);
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
  await exited;
  clearTimeout(timer);
}

export class LibvirtDaemons {
  private virtlogd: ChildProcess | undefined;
  private libvirtd: ChildProcess | undefined;
  private log = "";

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  /** The URI virsh connects with. */
  get uri(): string {
    return `qemu:///system?socket=${join(this.dir, "libvirt-sock")}`;
  }

  /** Starts (or restarts) libvirtd with `save_image_format = format`; virtlogd on first use. */
  async start(format: string): Promise<void> {
    if (!this.virtlogd && !(await socketAnswers(VIRTLOGD_SOCKET))) {
      this.virtlogd = spawn("virtlogd", ["--pid-file", join(this.dir, "virtlogd.pid")], { stdio: ["ignore", "ignore", "pipe"] });
      this.virtlogd.stderr!.on("data", (d: Buffer) => (this.log += d.toString()));
      await waitFor(
        "virtlogd",
        () => socketAnswers(VIRTLOGD_SOCKET),
        this.virtlogd,
        () => this.log,
      );
    }
    await stop(this.libvirtd);
    const conf = join(this.dir, "qemu.conf");
    // Domains run as root so they can read and write images in the test's directory.
    writeFileSync(conf, `save_image_format = "${format}"\nuser = "root"\ngroup = "root"\n`);
    writeFileSync(join(this.dir, "libvirtd.conf"), `unix_sock_dir = "${this.dir}"\n`);
    const sock = join(this.dir, "libvirt-sock");
    const script = `mount --bind "$1" /etc/libvirt/qemu.conf && exec libvirtd --config "$2" --pid-file "$3"`;
    this.libvirtd = spawn("unshare", ["-m", "sh", "-c", script, "sh", conf, join(this.dir, "libvirtd.conf"), join(this.dir, "libvirtd.pid")], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    this.libvirtd.stderr!.on("data", (d: Buffer) => (this.log = (this.log + d.toString()).slice(-8192)));
    await waitFor(
      "libvirtd",
      async () => existsSync(sock) && (await socketAnswers(sock)),
      this.libvirtd,
      () => this.log,
    );
  }

  virsh(...args: string[]): string {
    return execFileSync("virsh", ["-q", "-c", this.uri, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  }

  /** Stops libvirtd and (if this started it) virtlogd. */
  async stopAll(): Promise<void> {
    await stop(this.libvirtd);
    await stop(this.virtlogd);
  }
}
