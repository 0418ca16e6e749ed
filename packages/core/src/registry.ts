/**
 * Section plugins and the registry that holds them. A plugin knows one kind
 * of section by name and version range and turns its contents into a typed
 * value and back. The registry is an immutable value passed to every call
 * that needs it: there is no global registry.
 */
import type { SecFullContents } from "./types.js";

/** What a plugin is told about the section it decodes or encodes. */
export interface SectionInfo {
  /** The section's full name (idstr), e.g. `0000:00:01.1/ide`. */
  readonly name: string;
  readonly instanceId: bigint;
  readonly versionId: bigint;
}

/** The BER codec of a section's contents as a typed value. */
export interface SectionCodec<T> {
  decode(contents: SecFullContents, section: SectionInfo): T;
  encode(value: T, section: SectionInfo): SecFullContents;
}

/**
 * The codec of a section body in QEMU's own stream. Bodies carry no length,
 * so `decode` reports how many bytes it read; it throws a QberDecodeError with
 * `incomplete` set when `bytes` ends too soon (the caller reads more, retries).
 */
export interface LegacyCodec<T> {
  decode(bytes: Uint8Array, section: SectionInfo): { readonly value: T; readonly length: number };
  encode(value: T, section: SectionInfo): Uint8Array;
}

export interface SectionPlugin<T = unknown> {
  /** Unique id, conventionally `package:name`, e.g. `@qber/devices:hpet`. */
  readonly id: string;
  /**
   * Section names handled: a name matches a section whose idstr equals it, or
   * ends with `/` + it (device sections are `<qdev path>/<vmsd name>`).
   */
  readonly names: readonly string[];
  /** Version range handled, inclusive. */
  readonly minVersion: number;
  readonly maxVersion: number;
  readonly ber: SectionCodec<T>;
  /** The same value in QEMU's binary stream, where the plugin knows it. */
  readonly legacy?: LegacyCodec<T>;
}

export interface Registry {
  readonly kind: "registry";
  /** Every plugin, in the order given; later ones win on conflicts. */
  readonly plugins: readonly SectionPlugin[];
  /** The plugin for a section, if any. */
  find(name: string, version: bigint | number): SectionPlugin | undefined;
}

/** The part of a section idstr after its last `/` (the vmsd name of a device). */
export function baseName(idstr: string): string {
  const i = idstr.lastIndexOf("/");
  return i < 0 ? idstr : idstr.slice(i + 1);
}

function isRegistry(x: SectionPlugin | Registry): x is Registry {
  return (x as Registry).kind === "registry";
}

/**
 * Builds a registry from plugins and other registries. When two plugins
 * claim the same name and version, the one given last wins.
 */
export function createRegistry(...inputs: readonly (SectionPlugin | Registry)[]): Registry {
  const plugins = Object.freeze(inputs.flatMap((x) => (isRegistry(x) ? x.plugins : [x])));
  const byName = new Map<string, SectionPlugin[]>();
  for (const p of plugins) {
    for (const n of p.names) {
      const list = byName.get(n) ?? [];
      list.unshift(p);
      byName.set(n, list);
    }
  }
  const pick = (name: string, v: number): SectionPlugin | undefined => byName.get(name)?.find((p) => v >= p.minVersion && v <= p.maxVersion);
  return Object.freeze({
    kind: "registry" as const,
    plugins,
    find(name: string, version: bigint | number): SectionPlugin | undefined {
      const v = Number(version);
      return pick(name, v) ?? pick(baseName(name), v);
    },
  });
}

export const emptyRegistry: Registry = createRegistry();
