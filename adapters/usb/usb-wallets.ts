// USB hardware wallets through libusb (the `usb` package v2, whose prebuilt addon links libusb statically): loaded
// lazily, so machines without USB (or `--nousb`) never touch the addon. Devices are enumerated on every wallets()
// call and by an optional poll, so they appear and disappear at run time; each new device gets a wallet from the
// factory of its URL scheme and is opened in the background (Ledger: app check + default accounts).
import { errorMessage } from '../../core/errors.ts';
import type { Account, Approver, HardwareWallets, Logger, UnsignedTxPayload, Wallet, WalletScheme } from '../../core/ports.ts';
import { SignerError } from '../../core/errors.ts';
import { LedgerWallet } from './ledger/ledger-wallet.ts';
import { LibusbPipe, type LibusbDevice } from './libusb-pipe.ts';
import type { PacketPipe } from './packet-pipe.ts';
import { TrezorWallet } from './trezor-wallet.ts';
import { TrezorDriver } from './trezor/driver.ts';

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

/** What a driver may ask the user (Trezor PIN and passphrase), answered through the approver's onInputRequired. */
export interface DeviceUi {
  pin(): Promise<string>;
  passphrase(): Promise<string>;
}

/** Builds the wallet for one device of a scheme. */
type WalletFactory = (url: string, pipe: PacketPipe, ui: DeviceUi) => Wallet & { close(): void };

/** Wallet factories by URL scheme. */
const WALLET_FACTORIES: Record<'ledger' | 'trezor', WalletFactory> = {
  ledger: (url, pipe) => new LedgerWallet(url, pipe),
  trezor: (url, pipe, ui) => new TrezorWallet(url, new TrezorDriver(pipe, ui)),
};

export interface UsbDeviceLike {
  busNumber: number;
  deviceAddress: number;
  deviceDescriptor: { idVendor: number; idProduct: number };
}

/** Matches a device against the known wallets. */
export function classifyUsbDevice(d: UsbDeviceLike): KnownDevice | null {
  const { idVendor, idProduct } = d.deviceDescriptor;
  return KNOWN.find((k) => k.vendor === idVendor && (k.product === undefined || k.product === idProduct)) ?? null;
}

const hex4 = (n: number) => n.toString(16).padStart(4, '0');

/** go-ethereum's URL of a USB wallet: `<scheme>://<bus>:<address>:<interface>` in hex (hidapi's Linux path). */
export function walletUrl(scheme: string, d: UsbDeviceLike): string {
  return `${scheme}://${hex4(d.busNumber)}:${hex4(d.deviceAddress)}:00`;
}

/** A device that could not be used: listed with its failure, no accounts, every signature refused. */
class FailedWallet implements Wallet {
  constructor(
    readonly url: string,
    readonly scheme: WalletScheme,
    private readonly reason: string,
  ) {}
  status(): string {
    return `Failed: ${this.reason}`;
  }
  failure(): string {
    return this.reason;
  }
  async open(): Promise<void> {
    throw new SignerError(this.reason);
  }
  accounts(): Account[] {
    return [];
  }
  async derive(): Promise<Account> {
    throw new SignerError(this.reason);
  }
  async signTransaction(_a: Account, _t: UnsignedTxPayload): Promise<Uint8Array> {
    throw new SignerError(this.reason);
  }
  async signPersonal(): Promise<Uint8Array> {
    throw new SignerError(this.reason);
  }
  async signTypedData(): Promise<Uint8Array> {
    throw new SignerError(this.reason);
  }
  close(): void {}
}

interface Live {
  wallet: Wallet & { close(): void };
  pipe: { close(): void } | null;
  opening: Promise<void>;
}

export interface UsbWalletsOptions {
  /** Device enumeration (default: libusb's getDeviceList). */
  list?: () => Promise<UsbDeviceLike[]>;
  /** Opens a pipe to a device (default: libusb). */
  openPipe?: (d: UsbDeviceLike, what: string) => PacketPipe & { close(): void };
  /** The approver, for PIN/passphrase prompts (late-bound: the rules engine may wrap it after start). */
  approver?: () => Approver | undefined;
  /** How long wallets() waits for a device that is still opening (default 20 s). */
  openWaitMs?: number;
}

export class UsbWallets implements HardwareWallets {
  private readonly live = new Map<string, Live>();
  private refreshing: Promise<void> | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly logger?: Logger,
    private readonly opts: UsbWalletsOptions = {},
  ) {}

  private ui(): DeviceUi {
    const ask = async (title: string, prompt: string) => {
      const approver = this.opts.approver?.();
      if (!approver) throw new SignerError('no UI to ask for the device secret');
      return (await approver.onInputRequired({ title, prompt, isPassword: true })).text;
    };
    return {
      pin: () =>
        ask(
          'Trezor unlock',
          'Pin required to open Trezor wallet\nLook at the device for number positions\n\n7 | 8 | 9\n--+---+--\n4 | 5 | 6\n--+---+--\n1 | 2 | 3\n\n',
        ),
      passphrase: () => ask('Trezor unlock', 'Passphrase required to open Trezor wallet'),
    };
  }

  /** Enumerates, adds new devices, drops vanished ones (one refresh at a time). */
  refresh(): Promise<void> {
    this.refreshing ??= this.doRefresh().finally(() => (this.refreshing = null));
    return this.refreshing;
  }

  private async doRefresh(): Promise<void> {
    const devices = await (this.opts.list ?? listUsbDevices)();
    const seen = new Set<string>();
    for (const d of devices) {
      const k = classifyUsbDevice(d);
      if (!k) continue;
      const url = walletUrl(k.scheme, d);
      seen.add(url);
      if (this.live.has(url)) continue;
      this.live.set(url, this.attach(url, k, d));
    }
    for (const [url, l] of this.live) {
      if (seen.has(url)) continue;
      this.live.delete(url);
      l.wallet.close();
      l.pipe?.close();
      this.logger?.info('USB wallet dropped', { url });
    }
  }

  private attach(url: string, k: KnownDevice, d: UsbDeviceLike): Live {
    const factory = WALLET_FACTORIES[k.scheme];
    if (!factory) {
      const w = new FailedWallet(url, k.scheme, `${k.model}: driver not included in this build`);
      this.logger?.info('New USB wallet appeared', { url, status: w.status() });
      return { wallet: w, pipe: null, opening: Promise.resolve() };
    }
    let pipe: PacketPipe & { close(): void };
    try {
      pipe = (this.opts.openPipe ?? openLibusbPipe)(d, k.model);
    } catch (e) {
      const w = new FailedWallet(url, k.scheme, errorMessage(e));
      this.logger?.warn('USB wallet unusable', { url, err: errorMessage(e) });
      return { wallet: w, pipe: null, opening: Promise.resolve() };
    }
    const wallet = factory(url, pipe, this.ui());
    const opening = wallet.open('').then(
      () => this.logger?.info('New USB wallet appeared', { url, status: wallet.status(), accounts: wallet.accounts().length }),
      (e) => this.logger?.warn('USB wallet failed to open', { url, err: errorMessage(e) }),
    );
    return { wallet, pipe, opening };
  }

  /** Known wallets currently attached, sorted by URL; throws with the reason when USB cannot be enumerated. */
  async wallets(): Promise<Wallet[]> {
    await this.refresh();
    const wait = this.opts.openWaitMs ?? 20000;
    const entries = [...this.live.values()];
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((r) => (timer = setTimeout(r, wait)));
    try {
      await Promise.race([Promise.all(entries.map((e) => e.opening)), timeout]);
    } finally {
      clearTimeout(timer);
    }
    return entries.map((e) => e.wallet).sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0));
  }

  /** Polls the bus so devices appear and disappear without a request (the timer does not keep the process alive). */
  watch(intervalMs = 1000): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.refresh().catch((e) => this.logger?.debug('USB poll failed', { err: errorMessage(e) }));
    }, intervalMs);
    (this.timer as { unref?: () => void }).unref?.();
  }

  /** Stops polling and releases every device. */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const l of this.live.values()) {
      l.wallet.close();
      l.pipe?.close();
    }
    this.live.clear();
  }

  /** One log line about USB at start-up (clef logged hub failures the same way); false when USB is unusable. */
  async announce(): Promise<boolean> {
    try {
      await this.refresh(); // devices open in the background (a Trezor may wait for its PIN)
      this.logger?.info('USB hardware wallets', { found: this.live.size });
      return true;
    } catch (e) {
      this.logger?.info('USB hardware wallets unavailable', { err: errorMessage(e) });
      return false;
    }
  }
}

type UsbModule = { usb: { getDeviceList(): (UsbDeviceLike & LibusbDevice)[] } };
let usbModule: Promise<UsbModule> | null = null;

/** The `usb` addon, loaded on first use only. */
function loadUsb(): Promise<UsbModule> {
  usbModule ??= (async () => {
    const cleanup = await stageEmbeddedAddon();
    try {
      return (await import('usb')) as unknown as UsbModule;
    } finally {
      cleanup();
    }
  })();
  return usbModule;
}

/**
 * In the compiled binary (scripts/build.mjs) the addon is embedded; node-gyp-build only finds it in a real
 * prebuilds directory, so it is copied to a fresh private temporary one for the load (then removed: the loaded
 * library stays mapped). Under node and tsx nothing happens: the addon comes from node_modules.
 */
async function stageEmbeddedAddon(): Promise<() => void> {
  const embedded = (globalThis as { __CLEF_USB_ADDON__?: { path: string; name: string } }).__CLEF_USB_ADDON__;
  if (!embedded || process.env.NODE_USB_PATH) return () => undefined;
  const fs = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const dir = fs.mkdtempSync(join(tmpdir(), 'clef-usb-'));
  const sub = join(dir, 'prebuilds', `${process.platform}-${process.arch}`);
  fs.mkdirSync(sub, { recursive: true, mode: 0o700 });
  fs.writeFileSync(join(sub, embedded.name), fs.readFileSync(embedded.path), { mode: 0o500 });
  process.env.NODE_USB_PATH = dir;
  return () => {
    delete process.env.NODE_USB_PATH;
    fs.rmSync(dir, { recursive: true, force: true });
  };
}

const handles = new WeakMap<UsbDeviceLike, LibusbDevice>();

async function listUsbDevices(): Promise<UsbDeviceLike[]> {
  const list = (await loadUsb()).usb.getDeviceList();
  for (const d of list) handles.set(d, d);
  return list;
}

function openLibusbPipe(d: UsbDeviceLike, what: string): LibusbPipe {
  const dev = handles.get(d);
  if (!dev) throw new Error(`${what}: device handle missing`);
  return new LibusbPipe(dev, what);
}
