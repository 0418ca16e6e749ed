/**
 * The TPR-access optimization for 32-bit Windows XP/2003 guests (the
 * "kvmvapic" device and its option ROM) as QEMU 7.2 migrates it: vmsd
 * "kvm-tpr-opt", version 1, from hw/i386/kvmvapic.c. One section per
 * machine, present on pc/q35 machines whose APIC has the vapic property on
 * (the default), whether or not a guest ever used it.
 *
 * `rom_state` is QEMU's copy of the state block inside the guest's option
 * ROM (its signature is not migrated: 8 unused bytes), then the device's
 * mode (inactive, active, standby), the guest-virtual address of the TPR,
 * where the ROM state block sits (guest-virtual and guest-physical) and
 * the guest-physical address of the per-CPU virtual APIC area.
 *
 * Bounds: `state` is one of the three modes. On load of an active state
 * with several CPUs QEMU allocates and writes `rom_state.vapic_size` bytes
 * at `vapic_paddr`, so that size is limited to the area the ROM has for
 * 256 CPUs at 128 bytes each (its real value is far smaller). QEMU reads
 * the ROM's length byte at `rom_state_paddr` in low RAM: option ROMs live
 * below 1 MiB, and so must this address.
 */
import { array, definePlugin, named, struct, u32, unused, vmsd } from "@qber/vmstate";
import type { Static } from "typebox";

export const VAPIC_INACTIVE = 0;
export const VAPIC_ACTIVE = 1;
export const VAPIC_STANDBY = 2;
/** 256 CPUs (the KPCR processor number is a byte) << VAPIC_CPU_SHIFT (7). */
export const VAPIC_AREA_MAX = 256 << 7;

/** Entry points of the ROM's TPR handlers (vmsd "kvmvapic-handlers", v1). */
export const vapicHandlersDescription = vmsd(
  { name: "kvmvapic-handlers", version: 1 },
  {
    set_tpr: u32(),
    set_tpr_eax: u32(),
    get_tpr: array(u32(), 8, { description: "one per destination register (modrm reg field)" }),
    get_tpr_stack: u32(),
  },
);

/** The state block of the guest's vapic option ROM (vmsd "kvmvapic-guest-rom", v1). */
export const vapicGuestRomDescription = vmsd(
  { name: "kvmvapic-guest-rom", version: 1 },
  {
    signature: named("unused", unused(8, { description: 'the ROM\'s "kvm aPiC" signature; not migrated (zeros)' })),
    vaddr: u32(),
    fixup_start: u32(),
    fixup_end: u32(),
    vapic_vaddr: u32(),
    vapic_size: u32({ maximum: VAPIC_AREA_MAX }),
    vcpu_shift: u32({ maximum: 31 }),
    real_tpr_addr: u32(),
    up: struct(vapicHandlersDescription),
    mp: struct(vapicHandlersDescription),
  },
);

export const kvmTprOptDescription = vmsd(
  { name: "kvm-tpr-opt", version: 1, description: "kvmvapic TPR optimization (hw/i386/kvmvapic.c)" },
  {
    rom_state: struct(vapicGuestRomDescription),
    state: u32({ maximum: VAPIC_STANDBY, description: "0 inactive, 1 active, 2 standby" }),
    real_tpr_addr: u32(),
    rom_state_vaddr: u32(),
    vapic_paddr: u32(),
    rom_state_paddr: u32({ maximum: 0xfffff, description: "guest-physical address of the ROM state block (option ROM area)" }),
  },
);

export type KvmTprOptState = Static<typeof kvmTprOptDescription>;

export const kvmTprOptPlugin = definePlugin({ id: "@qber/devices:kvm-tpr-opt", description: kvmTprOptDescription });

const handlers = () => ({ set_tpr: 0, set_tpr_eax: 0, get_tpr: [0, 0, 0, 0, 0, 0, 0, 0], get_tpr_stack: 0 });

/** A machine whose firmware has not run the vapic ROM yet: everything zero, inactive. */
export function kvmTprOptDefaults(): KvmTprOptState {
  return {
    rom_state: {
      signature: new Uint8Array(8),
      vaddr: 0,
      fixup_start: 0,
      fixup_end: 0,
      vapic_vaddr: 0,
      vapic_size: 0,
      vcpu_shift: 0,
      real_tpr_addr: 0,
      up: handlers(),
      mp: handlers(),
    },
    state: VAPIC_INACTIVE,
    real_tpr_addr: 0,
    rom_state_vaddr: 0,
    vapic_paddr: 0,
    rom_state_paddr: 0,
  };
}
