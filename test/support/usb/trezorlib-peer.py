#!/usr/bin/python3
"""Drives the Trezor emulator (a responder process speaking "OUT <hex>" / "IN <hex>"… "END") with trezorlib, the
reference host library (Debian's python3-trezor), so the emulator is checked against a real peer, and prints
trezorlib's own encodings of a few requests for comparison with the driver's.
Usage: trezorlib-peer.py '<JSON: {"responder": [argv…], "pin": "…", "passphrase": "…", "rejectFlagFile": "…"}>'
Prints one JSON object on stdout.
"""
import json
import subprocess
import sys

from trezorlib import ethereum, exceptions, mapping, messages, tools
from trezorlib.client import TrezorClient
from trezorlib.transport.protocol import ProtocolBasedTransport, ProtocolV1


class ResponderHandle:
    """A protocol v1 handle whose 64-byte chunks go to the responder process."""

    def __init__(self, argv):
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.inbox = []

    def open(self):
        pass

    def close(self):
        pass

    def write_chunk(self, chunk):
        assert len(chunk) == 64
        self.proc.stdin.write(b'OUT ' + chunk.hex().encode() + b'\n')
        self.proc.stdin.flush()
        while True:
            line = self.proc.stdout.readline().decode()
            if not line:
                raise RuntimeError('responder exited')
            line = line.strip()
            if line == 'END':
                return
            if line.startswith('IN '):
                self.inbox.append(bytes.fromhex(line[3:]))

    def read_chunk(self):
        if not self.inbox:
            raise RuntimeError('no reply from the device')
        return self.inbox.pop(0)

    def stop(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


class EmulatorTransport(ProtocolBasedTransport):
    PATH_PREFIX = 'emulator'

    def __init__(self, handle):
        super().__init__(protocol=ProtocolV1(handle))

    def get_path(self):
        return 'emulator'


class ScriptedUI:
    def __init__(self, pin, passphrase):
        self.pin = pin
        self.passphrase = passphrase
        self.buttons = 0
        self.pins = 0
        self.passphrases = 0

    def button_request(self, code):
        self.buttons += 1

    def get_pin(self, code=None):
        self.pins += 1
        return self.pin  # the responder shows a fixed matrix: positions are the digits

    def get_passphrase(self, available_on_device):
        self.passphrases += 1
        return self.passphrase


def encode(msg):
    t, data = mapping.encode(msg)
    return {'type': t, 'hex': data.hex()}


def main():
    opts = json.loads(sys.argv[1])
    out = {}
    path0 = tools.parse_path("m/44'/60'/0'/0/0")
    path1 = tools.parse_path("m/44'/60'/0'/0/1")
    data = bytes((i * 7) & 0xFF for i in range(3000))
    to = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'

    # trezorlib's encodings of requests the driver also encodes
    out['encodings'] = {
        'getAddress': encode(messages.EthereumGetAddress(address_n=path0)),
        'signTx': encode(messages.EthereumSignTx(
            address_n=path0, nonce=ethereum.int_to_big_endian(7), gas_price=ethereum.int_to_big_endian(20000000000),
            gas_limit=ethereum.int_to_big_endian(100000), to=to, value=ethereum.int_to_big_endian(10 ** 17),
            data_initial_chunk=data[:1024], data_length=len(data), chain_id=1337802)),
        'txAck': encode(messages.EthereumTxAck(data_chunk=data[1024:2048])),
        'signMessage': encode(messages.EthereumSignMessage(address_n=path1, message=b'hello clef')),
        'pinMatrixAck': encode(messages.PinMatrixAck(pin='1597')),
        'passphraseAck': encode(messages.PassphraseAck(passphrase='tr')),
        'initialize': encode(messages.Initialize()),
    }

    handle = ResponderHandle(opts['responder'])
    ui = ScriptedUI(opts.get('pin', ''), opts.get('passphrase', ''))
    try:
        client = TrezorClient(EmulatorTransport(handle), ui=ui)
        f = client.features
        out['features'] = {'vendor': f.vendor, 'version': [f.major_version, f.minor_version, f.patch_version],
                           'pin_protection': f.pin_protection, 'passphrase_protection': f.passphrase_protection,
                           'model': f.model, 'initialized': f.initialized}
        out['address0'] = ethereum.get_address(client, path0)
        out['address1'] = ethereum.get_address(client, path1)
        sigs = {}
        for chain_id in (1, 1337802):
            v, r, s = ethereum.sign_tx(client, path0, nonce=7, gas_price=20000000000, gas_limit=100000, to=to,
                                       value=10 ** 17, data=data, chain_id=chain_id)
            sigs[str(chain_id)] = {'v': v, 'r': r.hex(), 's': s.hex()}
        out['signTx'] = sigs
        ms = ethereum.sign_message(client, path1, 'hello clef')
        out['signMessage'] = {'address': ms.address, 'signature': ms.signature.hex()}
        if opts.get('rejectFlagFile'):
            open(opts['rejectFlagFile'], 'w').close()
            try:
                ethereum.sign_message(client, path1, 'no')
                out['rejected'] = False
            except exceptions.Cancelled:
                out['rejected'] = True
        out['ui'] = {'buttons': ui.buttons, 'pins': ui.pins, 'passphrases': ui.passphrases}
    finally:
        handle.stop()
    print(json.dumps(out))


if __name__ == '__main__':
    main()
