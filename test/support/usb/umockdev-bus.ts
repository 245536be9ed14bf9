// Test side of the fake USB bus (umockdev-host.py): starts the host, plugs and unplugs emulated devices, and gives
// the environment under which a libusb client (the daemon, a CLI command) sees them.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { repoRoot } from '../daemon-process.ts';

const PYTHON = '/usr/bin/python3';
const PRELOAD = 'libumockdev-preload.so.0';

/** null when umockdev and its Python bindings are installed, else the reason. */
function umockdevMissing(): string | null {
  if (process.platform !== 'linux') return 'umockdev needs Linux';
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  const probe = spawnSync(PYTHON, ['-c', "import gi; gi.require_version('UMockdev', '1.0'); from gi.repository import UMockdev"], { stdio: 'pipe' });
  if (probe.status !== 0) return 'python3-gi / gir1.2-umockdev-1.0 not installed';
  const libDirs = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib', '/usr/lib64'];
  if (!libDirs.some((d) => existsSync(join(d, PRELOAD)))) return 'umockdev (libumockdev-preload) not installed';
  return null;
}

/** Skip reason for tests needing umockdev: never skipped in CI (CI installs it; a missing install must fail). */
export function umockdevSkip(): string | false {
  const missing = umockdevMissing();
  if (!missing) return false;
  if (process.env.CI) return false;
  return `umockdev missing (${missing}); apt-get install umockdev gir1.2-umockdev-1.0 python3-gi`;
}

/** The responder command for an emulated device. */
export function emulatorCommand(device: 'ledger' | 'trezor', args: string[] = []): string[] {
  return ['node', '--import', 'tsx', join(repoRoot, 'test', 'support', 'usb', 'emulator-main.ts'), '--device', device, ...args];
}

export class UmockdevBus {
  private readonly lines: string[] = [];
  private waiters: ((l: string | null) => void)[] = [];
  private constructor(
    private readonly host: ChildProcess,
    readonly root: string,
  ) {}

  static async start(): Promise<UmockdevBus> {
    const host = spawn(PYTHON, [join(repoRoot, 'test', 'support', 'usb', 'umockdev-host.py')], {
      cwd: repoRoot,
      stdio: ['pipe', 'pipe', 'inherit'],
      env: { ...process.env, LD_PRELOAD: PRELOAD }, // umockdev's uevents (hot-plug) need the host preloaded too
    });
    const rl = createInterface({ input: host.stdout! });
    const first = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('umockdev host did not start')), 20000);
      rl.once('line', (l) => {
        clearTimeout(t);
        resolve(l);
      });
      host.once('exit', () => reject(new Error('umockdev host exited')));
    });
    if (!first.startsWith('READY ')) throw new Error(`umockdev host: ${first}`);
    const bus = new UmockdevBus(host, first.slice(6));
    rl.on('line', (l) => {
      const w = bus.waiters.shift();
      if (w) w(l);
      else bus.lines.push(l);
    });
    rl.on('close', () => bus.waiters.splice(0).forEach((w) => { w(null); }));
    return bus;
  }

  private async command(line: string): Promise<string> {
    this.host.stdin!.write(line + '\n');
    const reply = this.lines.shift() ?? (await new Promise<string | null>((r) => this.waiters.push(r)));
    if (reply === null) throw new Error('umockdev host exited');
    if (!reply.startsWith('OK')) throw new Error(`umockdev host: ${reply}`);
    return reply;
  }

  /** Plugs in a device at bus/dev whose device side is `responder` (see emulatorCommand). */
  plug(name: string, kind: 'ledger' | 'trezor', bus: number, dev: number, responder: string[]): Promise<string> {
    const quoted = responder.map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
    return this.command(`add ${name} ${kind} ${bus} ${dev} ${quoted}`);
  }

  unplug(name: string): Promise<string> {
    return this.command(`remove ${name}`);
  }

  /** Environment of a libusb client that should see this bus. */
  env(): NodeJS.ProcessEnv {
    return { UMOCKDEV_DIR: this.root, LD_PRELOAD: PRELOAD };
  }

  async close(): Promise<void> {
    if (this.host.exitCode !== null) return;
    const exited = new Promise((r) => this.host.once('exit', r));
    this.host.stdin!.end('quit\n');
    const t = setTimeout(() => this.host.kill('SIGKILL'), 10000);
    await exited;
    clearTimeout(t);
  }
}
