/**
 * The slirp (libslirp state) plugin with saved sockets, which the default
 * captures do not have: the socket list's length comes out of the parse,
 * bytes are laid out as libslirp writes them, and the old-style vmdesc
 * entry is one `data` buffer of the body's size.
 */
import { createRegistry, QberDecodeError, type SectionInfo } from "@qber/core";
import { describeDevice, validateState } from "@qber/vmstate";
import { describe, expect, it } from "vitest";
import { isOldStyle, slirpDescription, slirpPlugin, type SlirpSocketState, type SlirpState } from "./slirp.js";

const info: SectionInfo = { name: "slirp", instanceId: 0n, versionId: 4n };
/** What follows the body in a stream: the section footer. */
const FOOTER = [0x7e, 0, 0, 0, 4];

function tcpcb(): SlirpSocketState["so_tcpcb"] {
  return {
    t_state: 4,
    t_timer: [0, 0, 14400, 0],
    t_rxtshift: 0,
    t_rxtcur: 12,
    t_dupacks: 0,
    t_maxseg: 1460,
    t_force: 0,
    t_flags: 0,
    snd_una: 1000,
    snd_nxt: 1010,
    snd_up: 1000,
    snd_wl1: 5000,
    snd_wl2: 1000,
    iss: 999,
    snd_wnd: 65535,
    rcv_wnd: 65535,
    rcv_nxt: 5001,
    rcv_up: 5001,
    irs: 5000,
    rcv_adv: 70536,
    snd_max: 1010,
    snd_cwnd: 1460,
    snd_ssthresh: 0x3fffc000,
    t_idle: 0,
    t_rtt: 0,
    t_rtseq: 0,
    t_srtt: 0,
    t_rttvar: 24,
    t_rttmin: 1,
    max_sndwnd: 65535,
    t_oobflags: 0,
    t_iobc: 0,
    t_softerror: 0,
    snd_scale: 0,
    rcv_scale: 0,
    request_r_scale: 0,
    requested_s_scale: 0,
    ts_recent: 0,
    ts_recent_age: 0,
    last_ack_sent: 5001,
  };
}

function socket(datalen: number, family: number): SlirpSocketState {
  const data = new Uint8Array(datalen).map((_, i) => i + 1);
  return {
    so_urgc: 0,
    fhost: { ss_family: { portable_family: 2 }, sin_addr: 0x6402000a, sin_port: 0x1f90 },
    lhost: family === 2 ? { ss_family: { portable_family: 2 }, sin_addr: 0x0f02000a, sin_port: 0x3930 } : { ss_family: { portable_family: family } },
    so_iptos: 0,
    so_emu: 0,
    so_type: 6,
    so_state: 0x104,
    so_rcv: { sb_cc: 3, sb_datalen: datalen, offsets: { woff: 3, roff: 0 }, sb_data: data },
    so_snd: { sb_cc: 0, sb_datalen: datalen, offsets: { woff: 0, roff: 0 }, sb_data: new Uint8Array(datalen) },
    so_tcpcb: tcpcb(),
  };
}

function state(sockets: SlirpSocketState[], markers = sockets.map(() => 42)): SlirpState {
  const bootp = Array.from({ length: 16 }, (_, i) => ({
    allocated: i === 0 ? 1 : 0,
    macaddr: i === 0 ? Uint8Array.of(0x52, 0x54, 0, 0x12, 0x34, 0x56) : new Uint8Array(6),
  }));
  return { socket_count: sockets.length, sockets: sockets.map((socket, i) => ({ marker: markers[i]!, socket })), end: 0, ip_id: 0x1234, bootp_clients: bootp };
}

/** Bytes of one saved socket as libslirp writes them (written out by hand). */
function socketBytes(s: SlirpSocketState, marker: number): number[] {
  const out: number[] = [marker];
  const be = (v: number, n: number): void => {
    for (let i = n - 1; i >= 0; i--) out.push((v >>> (8 * i)) & 0xff);
  };
  be(s.so_urgc, 4);
  for (const h of [s.fhost!, s.lhost!]) {
    be(h.ss_family.portable_family, 2);
    if (h.ss_family.portable_family === 2) {
      be(h.sin_addr!, 4);
      be(h.sin_port!, 2);
    }
  }
  out.push(s.so_iptos, s.so_emu, s.so_type);
  be(s.so_state, 4);
  for (const b of [s.so_rcv, s.so_snd]) {
    be(b.sb_cc, 4);
    be(b.sb_datalen, 4);
    be(b.offsets.woff, 4);
    be(b.offsets.roff, 4);
    out.push(...b.sb_data);
  }
  const t = s.so_tcpcb;
  be(t.t_state, 2);
  for (const x of t.t_timer) be(x, 2);
  be(t.t_rxtshift, 2);
  be(t.t_rxtcur, 2);
  be(t.t_dupacks, 2);
  be(t.t_maxseg, 2);
  out.push(t.t_force);
  be(t.t_flags, 2);
  for (const x of [
    t.snd_una,
    t.snd_nxt,
    t.snd_up,
    t.snd_wl1,
    t.snd_wl2,
    t.iss,
    t.snd_wnd,
    t.rcv_wnd,
    t.rcv_nxt,
    t.rcv_up,
    t.irs,
    t.rcv_adv,
    t.snd_max,
    t.snd_cwnd,
    t.snd_ssthresh,
  ])
    be(x, 4);
  be(t.t_idle, 2);
  be(t.t_rtt, 2);
  be(t.t_rtseq, 4);
  be(t.t_srtt, 2);
  be(t.t_rttvar, 2);
  be(t.t_rttmin, 2);
  be(t.max_sndwnd, 4);
  out.push(t.t_oobflags, t.t_iobc);
  be(t.t_softerror, 2);
  out.push(t.snd_scale, t.rcv_scale, t.request_r_scale, t.requested_s_scale);
  be(t.ts_recent, 4);
  be(t.ts_recent_age, 4);
  be(t.last_ack_sent, 4);
  return out;
}

function tailBytes(s: SlirpState): number[] {
  const out = [0, (s.ip_id! >> 8) & 0xff, s.ip_id! & 0xff];
  for (const c of s.bootp_clients!) out.push(0, c.allocated, ...c.macaddr);
  return out;
}

describe("slirp (libslirp state, version 4)", () => {
  it("is an old-style description handled at version 4 only", () => {
    expect(isOldStyle(slirpDescription)).toBe(true);
    const registry = createRegistry(slirpPlugin);
    expect(registry.find("slirp", 4)?.id).toBe("@qber/devices:slirp");
    expect(registry.find("slirp", 3)).toBeUndefined();
  });

  it("no sockets: 131 bytes, vmdesc one data buffer", () => {
    const s = state([]);
    const bytes = slirpPlugin.legacy!.encode(s, info);
    expect([...bytes]).toEqual(tailBytes(s));
    expect(bytes.length).toBe(131);
    const { value, length } = slirpPlugin.legacy!.decode(Uint8Array.from([...bytes, ...FOOTER]), info);
    expect(length).toBe(131);
    expect(value).toEqual(s);
    const d = describeDevice(slirpDescription, s, { name: "slirp", instanceId: 0, version: 4 });
    expect(d.vmdesc).toEqual({ name: "slirp", instance_id: 0, size: 131, fields: [{ name: "data", size: 131, type: "buffer" }] });
  });

  it("saved sockets: libslirp's byte layout, the count and length found by the parse, exact round trips", () => {
    const s = state([socket(16, 2), socket(8, 10), socket(4, 2)], [42, 7, 42]);
    const expected = [
      ...socketBytes(s.sockets[0]!.socket, 42),
      ...socketBytes(s.sockets[1]!.socket, 7),
      ...socketBytes(s.sockets[2]!.socket, 42),
      ...tailBytes(s),
    ];
    const bytes = slirpPlugin.legacy!.encode(s, info);
    expect([...bytes]).toEqual(expected);
    const { value, length } = slirpPlugin.legacy!.decode(Uint8Array.from([...bytes, ...FOOTER]), info);
    expect(length).toBe(bytes.length);
    expect(value).toEqual(s);
    expect(value.socket_count).toBe(3);
    expect(value.sockets[1]!.socket.lhost).toEqual({ ss_family: { portable_family: 10 } });
    expect(slirpPlugin.ber.decode(slirpPlugin.ber.encode(value, info), info)).toEqual(value);
    expect(validateState(slirpDescription, value)).toEqual([]);
    const d = describeDevice(slirpDescription, value, { name: "slirp", instanceId: 0, version: 4 });
    expect(d.bytes).toEqual(bytes);
    expect(d.vmdesc.size).toBe(bytes.length);
  });

  it("a truncated socket list is reported as incomplete input", () => {
    const bytes = slirpPlugin.legacy!.encode(state([socket(8, 2)]), info);
    for (const cut of [0, 1, 40, bytes.length - 132]) {
      let err: unknown;
      try {
        slirpPlugin.legacy!.decode(bytes.subarray(0, cut), info);
      } catch (e) {
        err = e;
      }
      expect(err, `cut at ${cut}`).toBeInstanceOf(QberDecodeError);
      expect((err as QberDecodeError).incomplete, `cut at ${cut}`).toBe(true);
    }
  });

  it("bounds: address family, TCP state, window scale, list marker, BOOTP flag", () => {
    const s = state([socket(4, 2)]);
    const sock = s.sockets[0]!;
    const bad = {
      ...s,
      sockets: [
        {
          ...sock,
          marker: 0,
          socket: { ...sock.socket, lhost: { ss_family: { portable_family: 3 } }, so_tcpcb: { ...sock.socket.so_tcpcb, t_state: 11, snd_scale: 15 } },
        },
      ],
      bootp_clients: s.bootp_clients!.map((c, i) => (i === 1 ? { ...c, allocated: 2 } : c)),
    };
    const fields = validateState(slirpDescription, bad).map((e) => e.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        "sockets[0].marker",
        "sockets[0].socket.lhost.ss_family.portable_family",
        "sockets[0].socket.so_tcpcb.t_state",
        "sockets[0].socket.so_tcpcb.snd_scale",
        "bootp_clients[1].allocated",
      ]),
    );
  });

  it("refuses other versions and a socket count that does not match the list", () => {
    expect(() => slirpPlugin.legacy!.decode(new Uint8Array(140), { ...info, versionId: 3n })).toThrow(/version 3/);
    expect(() => slirpPlugin.legacy!.encode({ ...state([socket(4, 2)]), socket_count: 2 }, info)).toThrow();
  });
});
