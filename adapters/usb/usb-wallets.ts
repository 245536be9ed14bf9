// USB hardware wallets: detection of Ledger and Trezor devices through the `usb` package, loaded lazily (its
// native addon is only touched when asked, and machines without a USB bus answer with a clear reason).
// Signing with these devices is not implemented: they are listed with that status and contribute no accounts.
import { errorMessage } from '../../core/errors.ts';
import type { Account, HardwareWallet, HardwareWallets, Logger } from '../../core/ports.ts';
import type { Address } from '../../core/bytes.ts';

interface KnownDevice {
  vendor: number;
  product?: number;
  model: string;
  scheme: 'ledger' | 'trezor';
}

/** Vendor/product ids of the devices clef supported (Ledger: any product of vendor 0x2c97). */
const KNOWN: readonly KnownDevice[] = [
  { vendor: 0x2c97, model: 'Ledger', scheme: 'ledger' },
  { vendor: 0x534c, product: 0x0001, model: 'Trezor One', scheme: 'trezor' },
  { vendor: 0x1209, product: 0x53c1, model: 'Trezor', scheme: 'trezor' },
];

export const USB_UNSUPPORTED_STATUS = 'detected; signing with USB hardware wallets is not supported by clef-ts yet';

interface UsbDeviceLike {
  busNumber: number;
  deviceAddress: number;
  deviceDescriptor: { idVendor: number; idProduct: number };
}

class DetectedWallet implements HardwareWallet {
  constructor(
    readonly url: string,
    private readonly model: string,
  ) {}
  status(): string {
    return `${this.model} ${USB_UNSUPPORTED_STATUS}`;
  }
  accounts(): Account[] {
    return [];
  }
  async signHash(_address: Address, _digest: Uint8Array): Promise<Uint8Array> {
    throw new Error(`${this.model}: ${USB_UNSUPPORTED_STATUS}`);
  }
}

/** Matches a device against the known wallets. */
export function classifyUsbDevice(d: UsbDeviceLike): KnownDevice | null {
  const { idVendor, idProduct } = d.deviceDescriptor;
  return KNOWN.find((k) => k.vendor === idVendor && (k.product === undefined || k.product === idProduct)) ?? null;
}

export class UsbWallets implements HardwareWallets {
  constructor(
    private readonly logger?: Logger,
    private readonly list: () => Promise<UsbDeviceLike[]> = listUsbDevices,
  ) {}

  /** Known wallets currently attached; throws with the reason when USB cannot be enumerated. */
  async wallets(): Promise<HardwareWallet[]> {
    const out: HardwareWallet[] = [];
    for (const d of await this.list()) {
      const k = classifyUsbDevice(d);
      if (k) out.push(new DetectedWallet(`${k.scheme}://${d.busNumber}:${d.deviceAddress}`, k.model));
    }
    return out;
  }

  /** One log line about USB at start-up (clef logged hub failures the same way); false when USB is unusable. */
  async announce(): Promise<boolean> {
    try {
      const w = await this.wallets();
      this.logger?.info('USB hardware wallets', { found: w.length, signing: 'not supported' });
      return true;
    } catch (e) {
      this.logger?.info('USB hardware wallets unavailable', { err: errorMessage(e) });
      return false;
    }
  }
}

async function listUsbDevices(): Promise<UsbDeviceLike[]> {
  const mod = (await import('usb')) as unknown as { usb: { getDeviceList(): UsbDeviceLike[] } };
  return mod.usb.getDeviceList();
}
