// A PacketPipe over libusb (the `usb` package, v2): claims interface 0 (detaching a kernel driver such as usbhid
// first) and moves 64-byte packets over its interrupt IN/OUT endpoints. Ledger's HID reports and Trezor's WebUSB
// packets both travel this way, so no hidapi is needed.
import { Buffer } from 'node:buffer';
import { DeviceGoneError, PACKET_SIZE, type PacketPipe } from './packet-pipe.ts';

/** The parts of usb@2's Device this pipe uses. */
export interface LibusbDevice {
  open(defaultConfig?: boolean): void;
  close(): void;
  interface(n: number): LibusbInterface;
}
interface LibusbInterface {
  isKernelDriverActive(): boolean;
  detachKernelDriver(): void;
  claim(): void;
  release(closeEndpoints: boolean, cb?: (err?: Error) => void): void;
  endpoints: LibusbEndpoint[];
}
interface LibusbEndpoint {
  direction: 'in' | 'out';
  transferType: number;
  timeout: number;
  transfer(arg: number | Buffer, cb: (err: (Error & { errno?: number }) | undefined, data?: Buffer) => void): unknown;
}

const LIBUSB_ERROR_NO_DEVICE = -4;
const LIBUSB_TRANSFER_NO_DEVICE = 5;

function gone(err: Error & { errno?: number }): boolean {
  return err.errno === LIBUSB_ERROR_NO_DEVICE || err.errno === LIBUSB_TRANSFER_NO_DEVICE || /NO_DEVICE|ENODEV/.test(err.message);
}

export class LibusbPipe implements PacketPipe {
  private readonly iface: LibusbInterface;
  private readonly inEp: LibusbEndpoint;
  private readonly outEp: LibusbEndpoint;
  private closed = false;
  /** In-flight transfers' reject functions: an unplug fails them at once instead of leaving them to libusb. */
  private readonly inflight = new Set<(e: Error) => void>();

  /** Opens the device; throws a clear error when it cannot be claimed (permissions: see README's udev rules). */
  constructor(
    private readonly device: LibusbDevice,
    private readonly what: string,
    readTimeoutMs = 0,
  ) {
    try {
      device.open();
    } catch (e) {
      throw new Error(`${what}: cannot open the USB device (${(e as Error).message}); on Linux install udev rules (see README)`);
    }
    try {
      this.iface = device.interface(0);
      try {
        if (this.iface.isKernelDriverActive()) this.iface.detachKernelDriver();
      } catch {
        // no kernel driver, or the platform has no such notion
      }
      this.iface.claim();
      const inEp = this.iface.endpoints.find((e) => e.direction === 'in');
      const outEp = this.iface.endpoints.find((e) => e.direction === 'out');
      if (!inEp || !outEp) throw new Error('interface 0 has no IN/OUT endpoint pair');
      this.inEp = inEp;
      this.outEp = outEp;
      this.inEp.timeout = readTimeoutMs;
      this.outEp.timeout = 5000;
    } catch (e) {
      try {
        device.close();
      } catch {
        // already failing
      }
      throw new Error(`${what}: cannot claim the USB interface (${(e as Error).message})`);
    }
  }

  write(packet: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(new DeviceGoneError(this.what));
    const buf = Buffer.alloc(PACKET_SIZE);
    buf.set(packet.subarray(0, PACKET_SIZE));
    return this.track((resolve, reject) => {
      this.outEp.transfer(buf, (err) => (err ? reject(this.wrap(err)) : resolve()));
    });
  }

  read(): Promise<Uint8Array> {
    if (this.closed) return Promise.reject(new DeviceGoneError(this.what));
    return this.track<Uint8Array>((resolve, reject) => {
      this.inEp.transfer(PACKET_SIZE, (err, data) => (err ? reject(this.wrap(err)) : resolve(new Uint8Array(data ?? []))));
    });
  }

  private track<T>(start: (resolve: (v: T) => void, reject: (e: Error) => void) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const fail = (e: Error) => {
        this.inflight.delete(fail);
        reject(e);
      };
      this.inflight.add(fail);
      try {
        start(
          (v) => {
            this.inflight.delete(fail);
            resolve(v);
          },
          fail,
        );
      } catch (e) {
        fail(this.wrap(e as Error));
      }
    });
  }

  private wrap(err: Error & { errno?: number }): Error {
    if (gone(err)) {
      this.closed = true;
      return new DeviceGoneError(this.what);
    }
    return new Error(`${this.what}: USB transfer failed (${err.message})`);
  }

  /** Fails in-flight transfers (the device is gone), then releases the interface and closes the device. */
  close(): void {
    const wasClosed = this.closed;
    this.closed = true;
    const pending = [...this.inflight];
    for (const fail of pending) fail(new DeviceGoneError(this.what));
    if (wasClosed && pending.length === 0) return;
    const closeDevice = () => {
      try {
        this.device.close();
      } catch {
        // vanished
      }
    };
    // A transfer libusb still holds would keep release() waiting: close the handle directly then.
    if (pending.length > 0) {
      closeDevice();
      return;
    }
    try {
      this.iface.release(true, closeDevice);
    } catch {
      closeDevice();
    }
  }
}
