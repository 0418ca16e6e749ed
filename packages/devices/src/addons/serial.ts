/**
 * The 16550A UART behind `-device isa-serial` as QEMU 7.2 migrates it:
 * section vmsd "serial" version 3 (loads 2..3) from hw/char/serial-isa.c,
 * whose only field is the UART core, itself vmsd "serial" version 3 (loads
 * 2..3) from hw/char/serial.c. Section idstr `serial`, instance id = the
 * port index (0 for COM1).
 *
 * Core fields: divisor latch (from version 2), the receive buffer and the
 * IER/IIR/LCR/MCR/LSR/MSR/SCR registers, and (from version 3) the FIFO
 * control register as last written. Subsections, each sent only when it
 * differs from what the loader would assume:
 * - `serial/thr_ipending`: the THR-empty interrupt latch, when the interrupt
 *   is enabled and the latch disagrees with IIR;
 * - `serial/tsr`: a character still in the transmit shift register (retry
 *   count, THR, TSR), when a write to the backend is being retried;
 * - `serial/recv_fifo`, `serial/xmit_fifo`: the 16-byte FIFOs (QEMU's
 *   "Fifo8": storage, head index, fill count), when not empty;
 * - `serial/fifo_timeout_timer`, `serial/timeout_ipending`: the character
 *   timeout timer and its pending interrupt;
 * - `serial/poll`: modem-status polling (poll interval and its timer).
 *
 * Bounds: FIFO head < 16 and count <= 16 (QEMU indexes its 16-byte buffer
 * with them); the retry count at most 4 (QEMU clamps to MAX_XMIT_RETRY);
 * the interrupt latches 0 or 1.
 */
import { buffer, definePlugin, i32, since, struct, subsection, timer, u16, u32, u8, vmsd } from "@qber/vmstate";
import type { Static } from "typebox";

/** UART_FIFO_LENGTH. */
export const UART_FIFO_LENGTH = 16;
/** MAX_XMIT_RETRY: QEMU clamps the transmit retry count to it on load. */
export const MAX_XMIT_RETRY = 4;

/** QEMU's "Fifo8" (util/fifo8.c): storage of `capacity` bytes (not sent; 16 for the UART), head, count. */
export const fifo8Description = vmsd(
  { name: "Fifo8", version: 1, description: "byte FIFO ring (util/fifo8.c)" },
  {
    data: buffer(UART_FIFO_LENGTH, { description: "ring storage" }),
    head: u32({ maximum: UART_FIFO_LENGTH - 1, description: "index of the oldest byte" }),
    num: u32({ maximum: UART_FIFO_LENGTH, description: "bytes in the FIFO" }),
  },
);

const flag = (description: string) => i32({ minimum: 0, maximum: 1, description });

export const serialCoreDescription = vmsd(
  { name: "serial", version: 3, minVersion: 2, description: "16550A UART core (hw/char/serial.c)" },
  {
    divider: since(2, u16({ description: "baud divisor latch (DLL/DLM)" })),
    rbr: u8({ description: "receive buffer" }),
    ier: u8({ maximum: 0x0f, description: "interrupt enable (QEMU keeps the low 4 bits)" }),
    iir: u8(),
    lcr: u8(),
    mcr: u8({ maximum: 0x1f, description: "modem control (QEMU keeps the low 5 bits)" }),
    lsr: u8(),
    msr: u8(),
    scr: u8(),
    fcr_vmstate: since(3, u8({ description: "FIFO control as last written" })),
    thr_ipending: subsection(vmsd({ name: "serial/thr_ipending", version: 1 }, { thr_ipending: flag("THR-empty interrupt pending") })),
    tsr: subsection(
      vmsd(
        { name: "serial/tsr", version: 1 },
        {
          tsr_retry: u32({ maximum: MAX_XMIT_RETRY, description: "transmit retries so far (QEMU clamps to 4)" }),
          thr: u8(),
          tsr: u8(),
        },
      ),
    ),
    recv_fifo: subsection(vmsd({ name: "serial/recv_fifo", version: 1 }, { recv_fifo: struct(fifo8Description) })),
    xmit_fifo: subsection(vmsd({ name: "serial/xmit_fifo", version: 1 }, { xmit_fifo: struct(fifo8Description) })),
    fifo_timeout_timer: subsection(vmsd({ name: "serial/fifo_timeout_timer", version: 1 }, { fifo_timeout_timer: timer() })),
    timeout_ipending: subsection(vmsd({ name: "serial/timeout_ipending", version: 1 }, { timeout_ipending: flag("character-timeout interrupt pending") })),
    poll: subsection(
      vmsd(
        { name: "serial/poll", version: 1 },
        {
          poll_msl: i32({ minimum: 0, description: "modem-status poll interval state (sent when >= 0)" }),
          modem_status_poll: timer(),
        },
      ),
    ),
  },
);

export type SerialCoreState = Static<typeof serialCoreDescription>;

export const serialDescription = vmsd(
  { name: "serial", version: 3, minVersion: 2, description: "ISA 16550A UART (hw/char/serial-isa.c)" },
  {
    state: struct(serialCoreDescription),
  },
);

export type SerialState = Static<typeof serialDescription>;

export const serialPlugin = definePlugin({ id: "@qber/devices:serial", description: serialDescription });

/** The UART after reset (hw/char/serial.c reset): 9600 8N1, OUT2 set, transmitter empty, no interrupt. */
export function serialDefaults(): SerialState {
  return {
    state: {
      divider: 0x0c,
      rbr: 0,
      ier: 0,
      iir: 0x01,
      lcr: 0,
      mcr: 0x08,
      lsr: 0x60,
      msr: 0xb0,
      scr: 0,
      fcr_vmstate: 0,
    },
  };
}
