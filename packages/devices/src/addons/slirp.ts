/**
 * The user-mode network backend (`-netdev user`, the default network of
 * the pc and q35 machines) as QEMU 7.2 migrates it: section `slirp`,
 * version 4, registered by net/slirp.c as an old-style handler whose save
 * function hands the stream to libslirp. The body is libslirp's own state
 * format (libslirp 4.x, src/state.c, encoded by its private copy of the
 * vmstate machinery in src/vmstate.c: fields big-endian in declaration
 * order, nested structs inline, no subsections). QEMU's vmdesc shows the
 * body as one opaque `data` buffer of its size.
 *
 * Layout (version 4):
 * 1. the saved sockets: for each guest-forward rule bound to a chardev
 *    that has a live connection, a marker byte (libslirp writes 42; its
 *    loader takes any non-zero byte as "another socket follows") and the
 *    socket's vmsd "slirp-socket" (version 4):
 *    - the urgent-data byte count;
 *    - (versions before 4 only: the foreign and local IPv4 address and
 *      port; never sent at version 4);
 *    - the foreign and local addresses as vmsd "slirp-socket-addr"
 *      (version 4): a portable address family computed at save time
 *      (2 = IPv4, 10 = IPv6, and when loading also 23 and 28, the IPv6
 *      numbers of Windows and FreeBSD; anything else fails the load),
 *      then for IPv4 only the address and the port (host-order values of
 *      the network-order fields, written big-endian);
 *    - IP type of service, the emulation kind, the socket type and the
 *      socket state flags;
 *    - the receive and send buffers, vmsd "slirp-sbuf": bytes in use,
 *      buffer size, the write and read offsets (computed at save time,
 *      rejected on load when not below the buffer size), then the whole
 *      buffer (its size in bytes);
 *    - the TCP control block, vmsd "slirp-tcp" (version 0): the BSD TCP
 *      state, the four TCP timers, retransmit shift and timeout, duplicate
 *      ACK count, MSS, force flag, flags, the send/receive sequence
 *      variables and windows, idle/RTT timing, the largest window seen,
 *      out-of-band flags and byte, soft error, window scale factors and
 *      the timestamp option state;
 * 2. a 0 byte that ends the list;
 * 3. vmsd "slirp" (version 4): the IP identification counter (from
 *    version 2) and the 16 BOOTP/DHCP client slots (from version 3),
 *    each an in-use flag and the client's MAC address.
 *
 * With no guest-forward connections (any machine without
 * `guestfwd=...-cmd:`/chardev rules) that is 1 + 2 + 16 * 8 = 131 bytes.
 *
 * The number of sockets is not written anywhere but implied by the
 * markers, so the body length comes out of the parse. In the typed state
 * the list is `sockets` and its length `socket_count`: a field that is
 * not on the wire (its vmstate test is always false) but that the
 * decoders fill in, so the description alone still encodes a state, lists
 * it in JSON and validates it. The generic vmstate decoders cannot read the
 * list (they cannot know its length); this plugin's codecs do.
 *
 * Only version 4 is handled: at older versions libslirp loads the sockets
 * at the section's version (IPv4 fields inline), which needs a different
 * socket layout; QEMU has written version 4 since libslirp was split off.
 *
 * Bounds: address family 2, 10, 23 or 28; TCP state 0..10 (CLOSED to
 * TIME_WAIT); retransmit shift 0..12; window scale factors 0..14; the four
 * TCP timers and the duplicate-ACK count non-negative; BOOTP slot in-use
 * flags 0 or 1; the list marker non-zero. The buffer offsets must be below
 * the buffer size and the byte count at most it: relations libslirp checks
 * on load (offsets) or relies on, not JSON bounds.
 */
import { QberDecodeError, QberEncodeError, type SectionInfo, type VmStateEntry } from "@qber/core";
import {
  annotationOf,
  array,
  buffer,
  decodeLegacy,
  encodeLegacy,
  entriesToState,
  i16,
  i32,
  since,
  stateToEntries,
  struct,
  tmp,
  u16,
  u32,
  u8,
  vmsd,
  vmsdInfo,
  when,
  withAnnotation,
  type DevicePlugin,
  type VmStateObject,
} from "@qber/vmstate";
import type { Static, TObject, TProperties } from "typebox";

/** The section version QEMU 7.2 (libslirp 4.x) writes and the only one handled. */
export const SLIRP_STATE_VERSION = 4;
/** NB_BOOTP_CLIENTS: DHCP lease slots. */
export const SLIRP_BOOTP_CLIENTS = 16;
/** TCPT_NTIMERS: timers of a TCP control block. */
export const SLIRP_TCP_TIMERS = 4;
/** The marker libslirp writes before each saved socket. */
export const SLIRP_SOCKET_MARKER = 42;
/** Portable address family numbers in the stream. */
export const SLIRP_FAMILY_IPV4 = 2;
export const SLIRP_FAMILY_IPV6 = 10;

/** The TCP control block (vmsd "slirp-tcp", version 0). */
export const slirpTcpDescription = vmsd(
  { name: "slirp-tcp", version: 0, description: "TCP control block of a saved socket" },
  {
    t_state: i16({ minimum: 0, maximum: 10, description: "TCP state (0 CLOSED .. 10 TIME_WAIT)" }),
    t_timer: array(i16({ minimum: 0 }), SLIRP_TCP_TIMERS, { description: "retransmit, persist, keep-alive and 2MSL timers (slow ticks)" }),
    t_rxtshift: i16({ minimum: 0, maximum: 12, description: "retransmit backoff exponent (at most TCP_MAXRXTSHIFT)" }),
    t_rxtcur: i16({ description: "current retransmit timeout" }),
    t_dupacks: i16({ minimum: 0, description: "consecutive duplicate ACKs" }),
    t_maxseg: u16({ description: "maximum segment size" }),
    t_force: u8({ description: "forced output (window probe)" }),
    t_flags: u16(),
    snd_una: u32(),
    snd_nxt: u32(),
    snd_up: u32(),
    snd_wl1: u32(),
    snd_wl2: u32(),
    iss: u32(),
    snd_wnd: u32(),
    rcv_wnd: u32(),
    rcv_nxt: u32(),
    rcv_up: u32(),
    irs: u32(),
    rcv_adv: u32(),
    snd_max: u32(),
    snd_cwnd: u32(),
    snd_ssthresh: u32(),
    t_idle: i16(),
    t_rtt: i16(),
    t_rtseq: u32(),
    t_srtt: i16(),
    t_rttvar: i16(),
    t_rttmin: u16(),
    max_sndwnd: u32(),
    t_oobflags: u8(),
    t_iobc: u8(),
    t_softerror: i16(),
    snd_scale: u8({ maximum: 14, description: "send window scale (at most TCP_MAX_WINSHIFT)" }),
    rcv_scale: u8({ maximum: 14, description: "receive window scale" }),
    request_r_scale: u8({ maximum: 14, description: "window scale this side asked for" }),
    requested_s_scale: u8({ maximum: 14, description: "window scale the peer asked for" }),
    ts_recent: u32(),
    ts_recent_age: u32(),
    last_ack_sent: u32(),
  },
);

/** The buffer offsets, computed at save time (VMSTATE_WITH_TMP "slirp-sbuf-tmp"). */
export const slirpSbufOffsetsDescription = vmsd(
  { name: "slirp-sbuf-tmp", version: 0 },
  {
    woff: u32({ description: "write offset into the buffer (below sb_datalen)" }),
    roff: u32({ description: "read offset into the buffer (below sb_datalen)" }),
  },
);

/** A socket buffer (vmsd "slirp-sbuf", version 0). */
export const slirpSbufDescription = vmsd(
  { name: "slirp-sbuf", version: 0, description: "socket buffer" },
  {
    sb_cc: u32({ description: "bytes in the buffer (at most sb_datalen)" }),
    sb_datalen: u32({ description: "buffer size" }),
    offsets: tmp(slirpSbufOffsetsDescription),
    sb_data: buffer({ from: "sb_datalen" }, { description: "the whole buffer" }),
  },
);

/** The address family as sent (VMSTATE_WITH_TMP "slirp-socket-addr/ss_family"). */
export const slirpSsFamilyDescription = vmsd(
  { name: "slirp-socket-addr/ss_family", version: 0 },
  {
    portable_family: Object.assign(u16({ description: "2 IPv4, 10 IPv6 (23 and 28 also load as IPv6)" }), {
      enum: [SLIRP_FAMILY_IPV4, SLIRP_FAMILY_IPV6, 23, 28],
    }),
  },
);

const isInet = (s: VmStateObject): boolean => (s["ss_family"] as VmStateObject | undefined)?.["portable_family"] === SLIRP_FAMILY_IPV4;

/** A socket address (vmsd "slirp-socket-addr", version 4): only IPv4 carries an address. */
export const slirpSocketAddrDescription = vmsd(
  { name: "slirp-socket-addr", version: 4 },
  {
    ss_family: tmp(slirpSsFamilyDescription),
    sin_addr: when(isInet, u32({ description: "IPv4 address (the network-order field read as a host integer)" })),
    sin_port: when(isInet, u16({ description: "port (the network-order field read as a host integer)" })),
  },
);

const beforeV4 = (_s: VmStateObject, version: number): boolean => version < 4;

/** A saved socket (vmsd "slirp-socket", version 4). */
export const slirpSocketDescription = vmsd(
  { name: "slirp-socket", version: 4, description: "a guest-forward socket" },
  {
    so_urgc: u32({ description: "urgent data byte count" }),
    so_faddr: when(beforeV4, u32({ description: "versions before 4: foreign IPv4 address" })),
    so_laddr: when(beforeV4, u32({ description: "versions before 4: local IPv4 address" })),
    so_fport: when(beforeV4, u16({ description: "versions before 4: foreign port" })),
    so_lport: when(beforeV4, u16({ description: "versions before 4: local port" })),
    fhost: since(4, struct(slirpSocketAddrDescription)),
    lhost: since(4, struct(slirpSocketAddrDescription)),
    so_iptos: u8({ description: "IP type of service" }),
    so_emu: u8({ description: "protocol emulation kind" }),
    so_type: u8({ description: "socket type (IP protocol)" }),
    so_state: i32({ description: "socket state flags" }),
    so_rcv: struct(slirpSbufDescription),
    so_snd: struct(slirpSbufDescription),
    so_tcpcb: struct(slirpTcpDescription, { pointer: true }),
  },
);

/** One entry of the socket list: the marker byte, then the socket. (qber's grouping; libslirp has no vmsd for it.) */
export const slirpSavedSocketDescription = vmsd(
  { name: "slirp/saved-socket", version: 0, description: "marker byte and saved socket" },
  {
    marker: u8({ minimum: 1, description: "42 as libslirp writes it; any non-zero byte continues the list" }),
    socket: struct(slirpSocketDescription),
  },
);

/** A DHCP lease slot (vmsd "slirp_bootpclient", version 0). */
export const slirpBootpClientDescription = vmsd(
  { name: "slirp_bootpclient", version: 0 },
  {
    allocated: u16({ maximum: 1, description: "slot in use" }),
    macaddr: buffer(6, { description: "client MAC address" }),
  },
);

function slirpProperties<C extends number | { readonly from: string }>(count: C) {
  return {
    sockets: array(struct(slirpSavedSocketDescription), count, { description: "saved guest-forward sockets, in libslirp's list order" }),
    end: u8({ maximum: 0, description: "the 0 byte that ends the socket list" }),
    ip_id: since(2, u16({ description: "IP identification counter" })),
    bootp_clients: since(3, array(struct(slirpBootpClientDescription), SLIRP_BOOTP_CLIENTS, { description: "DHCP lease slots" })),
  } satisfies TProperties;
}

/** Marks a description as an old-style handler's body (vmdesc: size and one `data` buffer). */
function oldStyle<T extends TObject>(description: T): T {
  return withAnnotation(description, { kind: "vmsd", vmsd: { ...vmsdInfo(description), oldStyle: true } });
}

const DESCRIPTION_TEXT = "libslirp state (net/slirp.c, libslirp src/state.c)";

/**
 * The `slirp` section body. `socket_count` is not on the wire: it is the
 * length of `sockets`, filled in by this plugin's decoders.
 */
export const slirpDescription = oldStyle(
  vmsd(
    { name: "slirp", version: SLIRP_STATE_VERSION, minVersion: SLIRP_STATE_VERSION, description: DESCRIPTION_TEXT },
    {
      socket_count: when(() => false, u32({ description: "not on the wire: the number of saved sockets (the list ends with a 0 byte)" })),
      ...slirpProperties({ from: "socket_count" }),
    },
  ),
);

export type SlirpState = Static<typeof slirpDescription>;
export type SlirpSocketState = Static<typeof slirpSocketDescription>;

/** The same body for exactly `n` sockets (no count field), which the generic codecs can read. */
const fixedCache = new Map<number, TObject>();
function slirpDescriptionFor(n: number): TObject {
  let d = fixedCache.get(n);
  if (d === undefined) {
    d = oldStyle(vmsd({ name: "slirp", version: SLIRP_STATE_VERSION, minVersion: SLIRP_STATE_VERSION, description: DESCRIPTION_TEXT }, slirpProperties(n)));
    fixedCache.set(n, d);
  }
  return d;
}

function version(section: SectionInfo, writing = false): number {
  const v = Number(section.versionId);
  if (v !== SLIRP_STATE_VERSION) {
    const init = { path: ["slirp"], expected: `version ${SLIRP_STATE_VERSION}` };
    if (writing) throw new QberEncodeError(`slirp: version ${v} is not supported`, init);
    throw new QberDecodeError(`slirp: version ${v} is not supported`, init);
  }
  return v;
}

/** Counts the saved sockets by walking the marker bytes (each socket decoded to find its end). */
function countSockets(bytes: Uint8Array): number {
  let pos = 0;
  let n = 0;
  for (;;) {
    const marker = bytes[pos];
    if (marker === undefined) {
      throw new QberDecodeError("input ends inside the socket list", {
        offset: pos,
        path: ["slirp", "sockets", n],
        expected: "a marker byte",
        incomplete: true,
      });
    }
    if (marker === 0) return n;
    // Each entry (marker + socket) is followed by at least the 0 byte, so the entry's decoder has look-ahead.
    const { length } = decodeLegacy(slirpSavedSocketDescription, bytes.subarray(pos), { offset: pos });
    pos += length;
    n++;
  }
}

function withCount(n: number, value: Record<string, unknown>): SlirpState {
  return { socket_count: n, ...value } as SlirpState;
}

/** Number of sockets in BER entries: the first entry is the `sockets` array. */
function socketsInEntries(entries: readonly VmStateEntry[]): number {
  const first = entries[0];
  if (first?.kind !== "array") throw new QberDecodeError("slirp: the first entry is not the socket list", { expected: "an array entry" });
  return first.value.length;
}

const plugin: DevicePlugin<typeof slirpDescription> = {
  id: "@qber/devices:slirp",
  names: ["slirp"],
  minVersion: SLIRP_STATE_VERSION,
  maxVersion: SLIRP_STATE_VERSION,
  description: slirpDescription,
  ber: {
    decode(contents, section) {
      if (contents.kind !== "vmstate") {
        throw new QberDecodeError(`section ${section.name} holds ${contents.kind}`, { expected: "vmstate contents" });
      }
      const v = version(section);
      const n = socketsInEntries(contents.value);
      return withCount(n, entriesToState(slirpDescriptionFor(n), contents.value, { version: v }));
    },
    encode(value, section) {
      return { kind: "vmstate" as const, value: stateToEntries(slirpDescription, value, { version: version(section, true) }) };
    },
  },
  legacy: {
    decode(bytes, section) {
      const v = version(section);
      const n = countSockets(bytes);
      const { value, length } = decodeLegacy(slirpDescriptionFor(n), bytes, { version: v });
      return { value: withCount(n, value as Record<string, unknown>), length };
    },
    encode(value, section) {
      return encodeLegacy(slirpDescription, value, { version: version(section, true) });
    },
  },
};

/**
 * `@qber/devices:slirp`: the codecs find the number of saved sockets from
 * the list markers (legacy) or the list entry (BER), then read the body
 * with the description for exactly that many.
 */
export const slirpPlugin: DevicePlugin<typeof slirpDescription> = Object.freeze(plugin);

/** Whether a description is an old-style handler's (exported for tests). */
export function isOldStyle(description: TObject): boolean {
  const a = annotationOf(description);
  return a !== undefined && "vmsd" in a && a.vmsd.oldStyle === true;
}
