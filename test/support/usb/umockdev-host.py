#!/usr/bin/python3
"""Fake USB bus for the hardware-wallet tests: umockdev presents Ledger/Trezor devices to a libusb client (run with
LD_PRELOAD=libumockdev-preload.so and UMOCKDEV_DIR=<root printed here>), and answers its usbfs ioctls. The device side
of each device is a separate responder process speaking a line protocol on its stdin/stdout:
    responder → host:  "READY" once, when it can answer
    host → responder:  "OUT <hex of one 64-byte packet>"
    responder → host:  zero or more "IN <hex of one 64-byte packet>", then "END"
Control protocol on this program's stdin (one command a line, each answered "OK ..." or "ERR ..." on stdout):
    add <name> <ledger|trezor> <busnum> <devnum> <responder command...>    plug a device in
    remove <name>                                                           unplug it (pending transfers fail ENODEV)
    quit
First line on stdout: "READY <umockdev root dir>".
Run it under the preload too (LD_PRELOAD=libumockdev-preload.so.0, as umockdev-wrapper does): umockdev's uevent sender
looks the device up in the fake /sys, and libusb learns about plugged/unplugged devices only from those uevents.
"""
import os
import shlex
import struct
import subprocess
import sys
import threading

import gi

gi.require_version('UMockdev', '1.0')
from gi.repository import GLib, UMockdev  # noqa: E402

ENODEV, EAGAIN, EINVAL, ENOENT, ENODATA, ENOTTY = 19, 11, 22, 2, 61, 25

# usbfs ioctl request numbers on Linux (x86-64/arm64 layouts of the structs).
USBDEVFS_CONTROL = 0xC0185500
USBDEVFS_SETINTERFACE = 0x80085504
USBDEVFS_SETCONFIGURATION = 0x80045505
USBDEVFS_GETDRIVER = 0x41045508
USBDEVFS_SUBMITURB = 0x8038550A
USBDEVFS_DISCARDURB = 0x550B
USBDEVFS_REAPURB = 0x4008550C
USBDEVFS_REAPURBNDELAY = 0x4008550D
USBDEVFS_CLAIMINTERFACE = 0x8004550F
USBDEVFS_RELEASEINTERFACE = 0x80045510
USBDEVFS_CONNECTINFO = 0x40085511
USBDEVFS_IOCTL = 0xC0105512
USBDEVFS_RESET = 0x5514
USBDEVFS_CLEAR_HALT = 0x80045515
USBDEVFS_GET_CAPABILITIES = 0x8004551A
USBDEVFS_DISCONNECT_CLAIM = 0x8108551B
USBDEVFS_GET_SPEED = 0x551F
URB_SIZE = 56
DEBUG = bool(os.environ.get('UMOCKDEV_HOST_DEBUG'))

def hid_config(ep_in, ep_out):
    """Configuration descriptor of a Ledger: one HID interface (class 3) with two interrupt endpoints."""
    body = bytes([9, 4, 0, 0, 2, 3, 0, 0, 0,
                  9, 0x21, 0x11, 0x01, 0, 1, 0x22, 0x22, 0,
                  7, 5, ep_in, 3, 64, 0, 1,
                  7, 5, ep_out, 3, 64, 0, 1])
    return bytes([9, 2]) + struct.pack('<H', 9 + len(body)) + bytes([1, 1, 0, 0x80, 50]) + body

def vendor_config(ep_in, ep_out):
    """Configuration descriptor of a Trezor: one vendor-specific interface (class 0xff) with two interrupt endpoints."""
    body = bytes([9, 4, 0, 0, 2, 0xff, 0, 0, 0,
                  7, 5, ep_in, 3, 64, 0, 1,
                  7, 5, ep_out, 3, 64, 0, 1])
    return bytes([9, 2]) + struct.pack('<H', 9 + len(body)) + bytes([1, 1, 0, 0x80, 50]) + body

KINDS = {
    # Ledger Nano S Plus (product 0x5011: device id 5 in the high byte, HID+WebUSB+U2F interface mask low)
    'ledger': dict(vid=0x2c97, pid=0x5011, manufacturer='Ledger', product='Nano S Plus',
                   config=hid_config(0x82, 0x02)),
    # Trezor Model T / Safe (WebUSB vendor interface)
    'trezor': dict(vid=0x1209, pid=0x53c1, manufacturer='SatoshiLabs', product='TREZOR',
                   config=vendor_config(0x81, 0x01)),
}

def device_descriptor(vid, pid):
    return bytes([18, 1, 0x00, 0x02, 0, 0, 0, 64]) + struct.pack('<HHH', vid, pid, 0x0201) + bytes([1, 2, 3, 1])


class FakeDevice(UMockdev.IoctlBase):
    """One plugged-in device: completes OUT URBs by asking the responder, fills IN URBs from its answers."""

    def __init__(self, name, kind, responder):
        super().__init__()
        self.name = name
        self.kind = kind
        self.responder = responder
        self.lock = threading.Lock()
        self.pending_in = []      # IN packets the responder produced, not yet read
        self.waiting_in = []      # IN URBs submitted by the client, not yet filled
        self.done = []            # URBs ready to be reaped
        self.gone = False

    def ask(self, packet):
        self.responder.stdin.write(('OUT ' + packet.hex() + '\n').encode())
        self.responder.stdin.flush()
        out = []
        while True:
            line = self.responder.stdout.readline().decode()
            if not line:
                raise RuntimeError('responder exited')
            line = line.strip()
            if line == 'END':
                return out
            if line.startswith('IN '):
                out.append(bytes.fromhex(line[3:]))

    def pair(self):
        while self.pending_in and self.waiting_in:
            urb = self.waiting_in.pop(0)
            pkt = self.pending_in.pop(0)
            length = struct.unpack_from('<i', bytes(urb.retrieve()), 24)[0]
            pkt = pkt[:length]
            buf = urb.resolve(16, length)
            buf.update(0, pkt)
            urb.update(28, struct.pack('<i', len(pkt)))
            urb.update(4, struct.pack('<i', 0))
            self.done.append(urb)

    def do_handle_ioctl(self, client):
        req = client.get_request()
        arg = client.get_arg()
        if DEBUG:
            sys.stderr.write('ioctl %s %x\n' % (self.name, req))
        with self.lock:
            if self.gone:
                client.complete(-1, ENODEV)
                return True
            if req == USBDEVFS_GET_CAPABILITIES:
                cap = arg.resolve(0, 4)
                cap.update(0, struct.pack('<I', 0))
                client.complete(0, 0)
            elif req in (USBDEVFS_GETDRIVER,):
                client.complete(-1, ENODATA)  # no kernel driver bound
            elif req == USBDEVFS_IOCTL:
                client.complete(-1, ENODATA)
            elif req in (USBDEVFS_CLAIMINTERFACE, USBDEVFS_RELEASEINTERFACE, USBDEVFS_SETINTERFACE,
                         USBDEVFS_SETCONFIGURATION, USBDEVFS_CLEAR_HALT, USBDEVFS_RESET, USBDEVFS_DISCONNECT_CLAIM):
                client.complete(0, 0)
            elif req == USBDEVFS_SUBMITURB:
                urb = arg.resolve(0, URB_SIZE)
                raw = bytes(urb.retrieve())
                ep = raw[1]
                length = struct.unpack_from('<i', raw, 24)[0]
                if ep & 0x80:
                    self.waiting_in.append(urb)
                    self.pair()
                else:
                    buf = urb.resolve(16, length)
                    packet = bytes(buf.retrieve())
                    try:
                        self.pending_in.extend(self.ask(packet))
                    except Exception as e:  # a dead responder is a device that stopped answering
                        sys.stderr.write('umockdev-host: %s: %s\n' % (self.name, e))
                    urb.update(28, struct.pack('<i', length))
                    urb.update(4, struct.pack('<i', 0))
                    self.done.append(urb)
                    self.pair()
                client.complete(0, 0)
            elif req in (USBDEVFS_REAPURB, USBDEVFS_REAPURBNDELAY):
                if not self.done:
                    client.complete(-1, EAGAIN)
                    return True
                urb = self.done.pop(0)
                cell = arg.resolve(0, 8)
                cell.set_ptr(0, urb)
                client.complete(0, 0)
            elif req == USBDEVFS_DISCARDURB:
                # the argument is the URB's address in the client; a discarded URB is reaped with -ENOENT
                addr = struct.unpack('<Q', bytes(arg.retrieve())[:8])[0]
                hit = [u for u in self.waiting_in if u.client_addr == addr]
                for u in hit:
                    self.waiting_in.remove(u)
                    u.update(4, struct.pack('<i', -ENOENT))
                    u.update(28, struct.pack('<i', 0))
                    self.done.append(u)
                client.complete(0 if hit else -1, 0 if hit else EINVAL)
            elif req == USBDEVFS_CONNECTINFO:
                ci = arg.resolve(0, 8)
                ci.update(0, struct.pack('<IB', 2, 0))
                client.complete(0, 0)
            elif req == USBDEVFS_GET_SPEED:
                client.complete(3, 0)  # USB_SPEED_HIGH
            else:
                client.complete(-1, ENOTTY)
        return True

    def unplug(self):
        with self.lock:
            self.gone = True
            for u in self.waiting_in:
                u.update(4, struct.pack('<i', -ENODEV))
            self.waiting_in = []
        try:
            self.responder.stdin.close()
        except Exception:
            pass
        self.responder.terminate()


def main():
    testbed = UMockdev.Testbed.new()
    devices = {}
    loop = GLib.MainLoop()
    threading.Thread(target=loop.run, daemon=True).start()
    print('READY ' + testbed.get_root_dir(), flush=True)
    for line in sys.stdin:
        parts = shlex.split(line)
        if not parts:
            continue
        try:
            if parts[0] == 'add':
                name, kind, bus, dev = parts[1], parts[2], int(parts[3]), int(parts[4])
                spec = KINDS[kind]
                env = {k: v for k, v in os.environ.items() if k not in ('LD_PRELOAD', 'UMOCKDEV_DIR')}
                responder = subprocess.Popen(parts[5:], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
                ready = responder.stdout.readline().decode().strip()  # the device exists once its side answers
                if ready != 'READY':
                    responder.kill()
                    raise RuntimeError('responder did not start: %r' % ready)
                handler = FakeDevice(name, kind, responder)
                node = '/dev/bus/usb/%03d/%03d' % (bus, dev)
                testbed.attach_ioctl(node, handler)
                sysname = '%d-%d' % (bus, dev)
                syspath = '/sys/devices/pci0000:00/usb%d/%s' % (bus, sysname)
                testbed.add_from_string(
                    'P: /devices/pci0000:00/usb%d/%s\n' % (bus, sysname) +
                    'N: bus/usb/%03d/%03d\n' % (bus, dev) +
                    'E: SUBSYSTEM=usb\nE: DEVTYPE=usb_device\nE: DRIVER=usb\n' +
                    'E: BUSNUM=%03d\nE: DEVNUM=%03d\nE: DEVNAME=%s\n' % (bus, dev, node) +
                    'A: busnum=%d\\n\nA: devnum=%d\\n\nA: bConfigurationValue=1\\n\nA: speed=12\\n\n' % (bus, dev) +
                    'A: idVendor=%04x\\n\nA: idProduct=%04x\\n\n' % (spec['vid'], spec['pid']) +
                    'A: manufacturer=%s\\n\nA: product=%s\\n\n' % (spec['manufacturer'], spec['product']) +
                    'H: descriptors=' + (device_descriptor(spec['vid'], spec['pid']) + spec['config']).hex() + '\n')
                testbed.uevent(syspath, 'add')  # libusb keeps its device list from netlink uevents
                devices[name] = (handler, node, syspath)
                print('OK added %s %s' % (name, syspath), flush=True)
            elif parts[0] == 'remove':
                handler, node, syspath = devices.pop(parts[1])
                handler.unplug()
                testbed.uevent(syspath, 'remove')
                testbed.remove_device(syspath)
                testbed.detach_ioctl(node)
                print('OK removed ' + parts[1], flush=True)
            elif parts[0] == 'quit':
                break
            else:
                print('ERR unknown command ' + parts[0], flush=True)
        except Exception as e:
            print('ERR %s' % e, flush=True)
    for handler, _, _ in devices.values():
        handler.unplug()
    loop.quit()


if __name__ == '__main__':
    main()
