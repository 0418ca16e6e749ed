// Tiny QMP (QEMU Machine Protocol) client over a unix socket.
// No dependencies; Node 20 ESM.
//
//   const q = await QmpClient.connect('/tmp/x/qmp.sock');   // greeting + qmp_capabilities
//   await q.stop();
//   const regs = await q.hmp('info registers');
//   await q.close();

import { spawn } from "node:child_process";
import net from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

export class QmpError extends Error {
  constructor(command, error) {
    super(`QMP ${command} failed: ${error?.class ?? "?"}: ${error?.desc ?? JSON.stringify(error)}`);
    this.name = "QmpError";
    this.command = command;
    this.qmpError = error;
  }
}

export class QmpClient {
  /** @param {net.Socket} sock */
  constructor(sock) {
    this.sock = sock;
    this.buf = "";
    this.greeting = null;
    this.nextId = 1;
    this.pending = new Map(); // id -> {resolve, reject, command}
    this.events = []; // buffered events not yet consumed
    this.eventWaiters = []; // {name, resolve, reject, timer}
    this.greetingWaiter = null;
    this.closed = false;
    this.log = process.env.QMP_DEBUG ? (m) => process.stderr.write(`[qmp] ${m}\n`) : () => {};
    sock.setEncoding("utf8");
    sock.on("data", (d) => this.#onData(d));
    sock.on("close", () => this.#onClose(new Error("QMP socket closed")));
    sock.on("error", (e) => this.#onClose(e));
  }

  /**
   * Connect to a QMP unix socket, retrying until it exists (QEMU may still be starting),
   * read the greeting and negotiate capabilities.
   */
  static async connect(path, { timeoutMs = 10000 } = {}) {
    const deadline = Date.now() + timeoutMs;
    let lastErr;
    while (Date.now() < deadline) {
      try {
        const sock = await new Promise((resolve, reject) => {
          const s = net.createConnection(path);
          s.once("connect", () => {
            s.removeAllListeners("error");
            resolve(s);
          });
          s.once("error", reject);
        });
        const c = new QmpClient(sock);
        c.greeting = await c.#waitGreeting(Math.max(1000, deadline - Date.now()));
        await c.execute("qmp_capabilities");
        return c;
      } catch (e) {
        lastErr = e;
        await sleep(50);
      }
    }
    throw new Error(`cannot connect to QMP socket ${path}: ${lastErr?.message}`);
  }

  #waitGreeting(ms) {
    if (this.greeting) return Promise.resolve(this.greeting);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error("timeout waiting for QMP greeting")), ms);
      this.greetingWaiter = {
        resolve: (g) => {
          clearTimeout(t);
          resolve(g);
        },
        reject,
      };
    });
  }

  #onData(d) {
    this.buf += d;
    let nl;
    while ((nl = this.buf.indexOf("\n")) >= 0) {
      const line = this.buf.slice(0, nl).trim();
      this.buf = this.buf.slice(nl + 1);
      if (!line) continue;
      let msg;
      try {
        msg = JSON.parse(line);
      } catch {
        this.log(`unparsable: ${line}`);
        continue;
      }
      this.log(`<- ${line.length > 300 ? `${line.slice(0, 300)}…` : line}`);
      this.#dispatch(msg);
    }
  }

  #dispatch(msg) {
    if (msg.QMP) {
      this.greeting = msg.QMP;
      this.greetingWaiter?.resolve(msg.QMP);
      this.greetingWaiter = null;
    } else if (msg.event) {
      const i = this.eventWaiters.findIndex((w) => w.name === msg.event);
      if (i >= 0) {
        const [w] = this.eventWaiters.splice(i, 1);
        clearTimeout(w.timer);
        w.resolve(msg);
      } else {
        this.events.push(msg);
      }
    } else if ("id" in msg) {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if ("error" in msg) p.reject(new QmpError(p.command, msg.error));
      else p.resolve(msg.return);
    }
  }

  #onClose(err) {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    for (const w of this.eventWaiters) {
      clearTimeout(w.timer);
      w.reject(err);
    }
    this.eventWaiters = [];
    this.greetingWaiter?.reject(err);
  }

  /** Execute a QMP command; resolves with its `return` value, rejects with QmpError. */
  execute(command, args) {
    if (this.closed) return Promise.reject(new Error("QMP connection closed"));
    const id = this.nextId++;
    const msg = { execute: command, id };
    if (args !== undefined) msg.arguments = args;
    const line = JSON.stringify(msg);
    this.log(`-> ${line}`);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, command });
      this.sock.write(`${line}\n`);
    });
  }

  /** Wait for an event by name (consumes a buffered one first). */
  waitEvent(name, { timeoutMs = 30000 } = {}) {
    const i = this.events.findIndex((e) => e.event === name);
    if (i >= 0) return Promise.resolve(this.events.splice(i, 1)[0]);
    return new Promise((resolve, reject) => {
      const w = { name, resolve, reject, timer: null };
      w.timer = setTimeout(() => {
        this.eventWaiters.splice(this.eventWaiters.indexOf(w), 1);
        reject(new Error(`timeout waiting for QMP event ${name}`));
      }, timeoutMs);
      this.eventWaiters.push(w);
    });
  }

  /** Take all buffered events (optionally only those with the given name). */
  drainEvents(name) {
    const out = name ? this.events.filter((e) => e.event === name) : this.events;
    this.events = name ? this.events.filter((e) => e.event !== name) : [];
    return out;
  }

  // ---- helpers ----------------------------------------------------------------------

  /** Human monitor command, e.g. hmp('info registers'); returns the text output. */
  hmp(commandLine, cpuIndex) {
    const args = { "command-line": commandLine };
    if (cpuIndex !== undefined) args["cpu-index"] = cpuIndex;
    return this.execute("human-monitor-command", args);
  }

  /** `info registers` for one CPU (default CPU 0). */
  infoRegisters(cpuIndex = 0) {
    return this.hmp("info registers", cpuIndex);
  }

  stop() {
    return this.execute("stop");
  }
  cont() {
    return this.execute("cont");
  }
  queryStatus() {
    return this.execute("query-status");
  }
  quit() {
    return this.execute("quit").catch(() => {});
  }

  /** Save guest-physical memory [val, val+size) to a file (path on QEMU's side). */
  pmemsave(val, size, filename, cpuIndex) {
    const args = { val, size, filename };
    if (cpuIndex !== undefined) args["cpu-index"] = cpuIndex;
    return this.execute("pmemsave", args);
  }

  /** caps: {xbzrle: true, ...} */
  migrateSetCapabilities(caps) {
    return this.execute("migrate-set-capabilities", {
      capabilities: Object.entries(caps).map(([capability, state]) => ({ capability, state: !!state })),
    });
  }

  migrateSetParameters(params) {
    return this.execute("migrate-set-parameters", params);
  }
  queryMigrate() {
    return this.execute("query-migrate");
  }
  migrate(uri) {
    return this.execute("migrate", { uri });
  }

  /**
   * Poll query-migrate until status is completed (resolve with the last info) or
   * failed/cancelled (reject). onPoll(info) is called for every poll.
   */
  async waitMigration({ intervalMs = 100, timeoutMs = 300000, onPoll } = {}) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const info = await this.queryMigrate();
      onPoll?.(info);
      if (info.status === "completed") return info;
      if (info.status === "failed" || info.status === "cancelled") {
        throw new Error(`migration ${info.status}: ${info["error-desc"] ?? ""}`);
      }
      if (Date.now() > deadline) throw new Error(`migration timeout, last status ${info.status}`);
      await sleep(intervalMs);
    }
  }

  close() {
    return new Promise((resolve) => {
      if (this.closed) return resolve();
      this.sock.once("close", resolve);
      this.sock.end();
      setTimeout(() => {
        this.sock.destroy();
        resolve();
      }, 1000).unref();
    });
  }
}

/**
 * Starts QEMU with `args`, keeping what it prints. `exited` rejects (with that
 * output) if it ends, for racing against the QMP connection.
 */
export function spawnQemu(qemu, args) {
  const child = spawn(qemu, args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const keep = (d) => {
    output += d;
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  const exited = new Promise((_, rej) => child.once("exit", (c, s) => rej(new Error(`QEMU exited early (${c ?? s}): ${output.trim()}`))));
  exited.catch(() => {});
  return { child, exited, output: () => output };
}

export default QmpClient;
