// A PacketPipe wired straight to an emulator in the same process: what a driver writes is handled at once and the
// emulator's IN packets are queued for read(). `unplug()` makes pending and later reads fail like a vanished device.
import { DeviceGoneError, type PacketPipe } from '../../../adapters/usb/packet-pipe.ts';

export interface PacketDevice {
  handle(packet: Uint8Array): Uint8Array[];
}

export class MemoryPipe implements PacketPipe {
  private readonly queue: Uint8Array[] = [];
  private waiter: { resolve: (p: Uint8Array) => void; reject: (e: Error) => void } | null = null;
  private gone = false;
  /** Packets written by the host (for framing tests). */
  readonly written: Uint8Array[] = [];

  constructor(private readonly device: PacketDevice) {}

  async write(packet: Uint8Array): Promise<void> {
    if (this.gone) throw new DeviceGoneError();
    if (packet.length !== 64) throw new Error(`packet of ${packet.length} bytes, want 64`);
    this.written.push(packet.slice());
    for (const p of this.device.handle(packet.slice())) {
      if (this.waiter) {
        const w = this.waiter;
        this.waiter = null;
        w.resolve(p);
      } else this.queue.push(p);
    }
  }

  read(): Promise<Uint8Array> {
    if (this.queue.length > 0) return Promise.resolve(this.queue.shift()!);
    if (this.gone) return Promise.reject(new DeviceGoneError());
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  unplug(): void {
    this.gone = true;
    this.waiter?.reject(new DeviceGoneError());
    this.waiter = null;
  }
}
