// The byte pipe between a wallet driver and a USB device: fixed-size packets (64 bytes for Ledger HID reports and
// Trezor WebUSB), written to the device's OUT endpoint and read from its IN endpoint. Drivers speak their protocol
// over this interface only, so the same driver runs over libusb, over the umockdev fake bus, or in-process against an
// emulator in unit tests.

/** 64-byte packets to and from one device. */
export interface PacketPipe {
  /** Sends one packet (padded by the caller to the report size). */
  write(packet: Uint8Array): Promise<void>;
  /** The next packet from the device; rejects with a clear error when the device is unplugged or times out. */
  read(): Promise<Uint8Array>;
}

/** Report size of both Ledger HID and Trezor WebUSB. */
export const PACKET_SIZE = 64;

/** The device went away (unplugged) while a request was in flight. */
export class DeviceGoneError extends Error {
  constructor(what = 'device') {
    super(`${what} disconnected`);
    this.name = 'DeviceGoneError';
  }
}
