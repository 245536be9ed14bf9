import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AbiCoder, id as ethersId } from 'ethers';
import { concatBytes, fromHex, fromUtf8, toHex } from '../../core/bytes.ts';
import { goQuoteBytes } from '../../core/gojson.ts';
import {
  canonicalSignature,
  decodeArguments,
  encodeArguments,
  newType,
  parseSelector,
  renderCall,
  verifySelector,
} from '../../core/abi.ts';

const coder = AbiCoder.defaultAbiCoder();
const word = (n: number | bigint) => BigInt(n).toString(16).padStart(64, '0');

/** Calldata for a canonical signature, encoded by ethers (an independent ABI encoder). */
function ethersCall(sig: string, types: string[], values: unknown[]): Uint8Array {
  return fromHex(ethersId(sig).slice(0, 10) + coder.encode(types, values).slice(2));
}

const errorOf = (selector: string, data: Uint8Array) => {
  try {
    verifySelector(selector, data);
  } catch (e) {
    return (e as Error).message;
  }
  return null;
};

const SAFESEND = fromHex('0x4401a6e4' + word(0x12));

test('selector grammar: go-ethereum texts, including the spec example', () => {
  const cases: [string, string][] = [
    ['f(uint256, address)', "failed to parse selector 'f(uint256, address)': failed to parse type: failed to parse elementary type: invalid token start:  "],
    ['', "failed to parse selector '': empty token"],
    ['1f()', "failed to parse selector '1f()': invalid token start: 1"],
    ['f()x', "failed to parse selector 'f()x': unexpected string 'x'"],
    ['f(uint256', "failed to parse selector 'f(uint256': expected ')', got ''"],
    ['f[', "failed to parse selector 'f[': expected '(', got ["],
    ['f(uint256[a])', "failed to parse selector 'f(uint256[a])': failed to parse type: failed to parse array: expected ']', got u"],
    ['f(())', "failed to parse selector 'f(())': failed to parse type: failed to parse type: failed to parse elementary type: invalid token start: )"],
    ['func(uint256,uint256,[]uint256)', "failed to parse selector 'func(uint256,uint256,[]uint256)': failed to parse type: failed to parse elementary type: invalid token start: ["],
    ['func(uint256,uint256,uint256,)', "failed to parse selector 'func(uint256,uint256,uint256,)': failed to parse type: failed to parse elementary type: invalid token start: )"],
    ['func(,uint256)', "failed to parse selector 'func(,uint256)': failed to parse type: failed to parse elementary type: invalid token start: ,"],
    // %c of a byte: the first UTF-8 byte of é (0xc3) prints as U+00C3, as in Go
    ['é()', "failed to parse selector 'é()': invalid token start: \u00c3"],
    // go-ethereum crashes its handler on a bare name; reported as an error here
    ['transfer', "failed to parse selector 'transfer': expected '(', got end of input"],
  ];
  for (const [sel, msg] of cases) {
    assert.throws(() => parseSelector(sel), { message: msg }, sel);
    assert.equal(errorOf(sel, SAFESEND), `failed to parse selector: ${msg}`, sel);
  }
});

test('selector grammar: accepted forms and canonical signatures', () => {
  assert.deepEqual(parseSelector('f()'), { name: 'f', type: 'function', inputs: [] });
  assert.equal(canonicalSignature('transfer(address,uint256)'), 'transfer(address,uint256)');
  assert.equal(canonicalSignature('$_f9(uint8[2][],(address,(bool,bytes)[])[],bytes32)'), '$_f9(uint8[2][],(address,(bool,bytes)[])[],bytes32)');
  assert.equal(canonicalSignature('f(uint256;address)'), 'f(uint256,address)'); // any separator byte is accepted
  const sel = parseSelector('g((uint256,string)[],bool)');
  assert.deepEqual(sel.inputs.map((a) => [a.Name, a.Type]), [['name0', 'tuple[]'], ['name1', 'bool']]);
  assert.deepEqual(sel.inputs[0].Components?.map((a) => [a.Name, a.Type]), [['name0', 'uint256'], ['name1', 'string']]);
});

test('type checks after the grammar: go-ethereum NewType errors', () => {
  const json = (t: string) => JSON.stringify([{ name: 'f', type: 'function', inputs: [{ Name: 'name0', Type: t, InternalType: t, Components: null, Indexed: false }] }]);
  const quote = (s: string) => JSON.stringify(s); // the JSON has no characters where Go's %q and JSON differ
  const cases: [string, string][] = [
    ['uint', 'unsupported arg type: uint'],
    ['bytes33', 'unsupported arg type: bytes33'],
    ['Address', 'unsupported arg type: Address'],
    ['fixed128x18', 'abi: error parsing variable size: strconv.Atoi: parsing "128x18": invalid syntax'],
    ['ufixed', 'unsupported arg type: ufixed'],
    ['uint256x18', 'abi: error parsing variable size: strconv.Atoi: parsing "256x18": invalid syntax'],
  ];
  for (const [t, msg] of cases) {
    assert.equal(errorOf(`f(${t})`, SAFESEND), `invalid method signature (${quote(json(t))}): ${msg}`, t);
  }
  // a top-level "(…)[]" leaves a bare "[]" argument, which NewType rejects
  assert.match(errorOf('f(uint256)[]', SAFESEND) ?? '', /^invalid method signature \(.*\): invalid type ''$/);
  // sizes the grammar allows but that are not canonical still parse (and then simply do not match the id)
  assert.equal(newType('uint7', null).str, 'uint7');
  assert.equal(errorOf('f(uint7)', SAFESEND), 'no method with id: 0x4401a6e4');
});

test('calldata length checks and method id', () => {
  assert.equal(errorOf('safeSend(address)', fromHex('0x4401a6')), 'invalid call data, incomplete method signature (3 bytes < 4)');
  assert.equal(errorOf('safeSend(address)', concatBytes(SAFESEND, Uint8Array.of(0))), 'invalid call data; length should be a multiple of 32 bytes (was 33)');
  assert.equal(errorOf('transfer(address,uint256)', SAFESEND), 'no method with id: 0x4401a6e4');
});

test('decoding failures carry the method string and the unpacker text', () => {
  const m = (sig: string) => `signature "function ${sig} returns()" matches, but arguments mismatch: `;
  assert.equal(errorOf('safeSend(address)', fromHex('0x4401a6e4')), m('safeSend(address name0)') + 'abi: cannot marshal in to go type: length insufficient 0 require 32');
  // solidity docs example sam(bytes,bool,uint256[]) with a bool word of 0x11
  const sam = ethersCall('sam(bytes,bool,uint256[])', ['bytes', 'bool', 'uint256[]'], ['0x64617665', true, [1, 2, 3]]);
  sam[4 + 32 + 31] = 0x11;
  assert.equal(errorOf('sam(bytes,bool,uint256[])', sam), m('sam(bytes name0, bool name1, uint256[] name2)') + 'abi: improperly encoded boolean value');
  const u8 = fromHex(ethersId('f(uint8)').slice(0, 10) + word(256));
  assert.equal(errorOf('f(uint8)', u8), m('f(uint8 name0)') + 'abi: improperly encoded uint8 value');
  const i16 = fromHex(ethersId('f(int16)').slice(0, 10) + word(32768));
  assert.equal(errorOf('f(int16)', i16), m('f(int16 name0)') + 'abi: improperly encoded int16 value');
  const off = fromHex(ethersId('f(bytes)').slice(0, 10) + word(64));
  assert.equal(errorOf('f(bytes)', off), m('f(bytes name0)') + 'abi: cannot marshal in to go slice: offset 96 would go over slice boundary (len=32)');
  const len = fromHex(ethersId('f(string)').slice(0, 10) + word(32) + word(1000));
  assert.equal(errorOf('f(string)', len), m('f(string name0)') + 'abi: cannot marshal in to go type: length insufficient 64 require 1064');
  const arr = fromHex(ethersId('f(uint256[])').slice(0, 10) + word(32) + word(2) + word(1));
  assert.equal(errorOf('f(uint256[])', arr), m('f(uint256[] name0)') + 'abi: cannot marshal into go array: offset 32 would go over slice boundary (len=64)');
  const fn = fromHex(ethersId('f(function)').slice(0, 10) + '11'.repeat(24) + '00'.repeat(7) + '01');
  assert.match(errorOf('f(function)', fn) ?? '', /arguments mismatch: abi: got improperly encoded function type, got \[17 17 .* 0 1\]$/);
  // a huge static array inside a tuple crashes go-ethereum's reflection; here it is a bounds error
  assert.match(errorOf('f((uint256[99999999999]))', fromHex(ethersId('f((uint256[99999999999]))').slice(0, 10) + word(0))) ?? '', /would go over slice boundary/);
});

test('stuffed data: dirty padding and trailing words are caught by re-encoding', () => {
  const dirty = fromHex('0x4401a6e4' + 'ff' + '00'.repeat(29) + '0012');
  assert.equal(
    errorOf('safeSend(address)', dirty),
    `WARNING: Supplied data is stuffed with extra data. \nWant ff${'00'.repeat(29)}0012\nHave ${word(0x12)}\nfor method safeSend(address)`,
  );
  const trailing = concatBytes(SAFESEND, fromHex(word(0x42)));
  assert.equal(
    errorOf('safeSend(address)', trailing),
    `WARNING: Supplied data is stuffed with extra data. \nWant ${word(0x12)}${word(0x42)}\nHave ${word(0x12)}\nfor method safeSend(address)`,
  );
  // a non-canonical (but decodable) offset
  const bytesCall = ethersCall('f(bytes)', ['bytes'], ['0x01']);
  const moved = concatBytes(bytesCall.subarray(0, 4), fromHex(word(64) + word(0)), bytesCall.subarray(36));
  assert.match(errorOf('f(bytes)', moved) ?? '', /^WARNING: Supplied data is stuffed with extra data\. \nWant 0{62}40/);
});

test('decode/re-encode agree with ethers on a mix of types', () => {
  const addr = '0x8A8eAFb1cf62BfBeb1741769DAE1a9dd47996192';
  const cases: [string, string[], unknown[], string][] = [
    ['transfer(address,uint256)', ['address', 'uint256'], [addr, 10n], `transfer(address: ${addr},uint256: 10)`],
    [
      'f(int8,int256,uint64,bool,string,bytes,bytes3)',
      ['int8', 'int256', 'uint64', 'bool', 'string', 'bytes', 'bytes3'],
      [-5, -(2n ** 200n), 2n ** 64n - 1n, false, 'héllo "q"', '0x0102ff', '0xabcdef'],
      `f(int8: -5,int256: -${2n ** 200n},uint64: 18446744073709551615,bool: false,string: héllo "q",bytes: [1 2 255],bytes3: [171 205 239])`,
    ],
    [
      'g(address[],uint8[2][],(uint256,string,address),(bool,bytes)[])',
      ['address[]', 'uint8[2][]', 'tuple(uint256,string,address)', 'tuple(bool,bytes)[]'],
      [[addr, addr.toLowerCase()], [[1, 2], [3, 4]], [7n, 'x', addr], [[true, '0x'], [false, '0x05']]],
      `g(address[]: [${addr} ${addr}],uint8[2][]: [[1 2] [3 4]],(uint256,string,address): {7 x ${addr}},(bool,bytes)[]: [{true []} {false [5]}])`,
    ],
    ['h()', [], [], 'h()'],
    ['k(uint24,int40,string[])', ['uint24', 'int40', 'string[]'], [123456n, -1n, ['a', '', 'bc']], 'k(uint24: 123456,int40: -1,string[]: [a  bc])'],
  ];
  for (const [sig, types, values, text] of cases) {
    const data = ethersCall(sig, types, values);
    const call = verifySelector(sig, data); // passing implies our re-encoding equals ethers' encoding
    assert.equal(call.signature, sig);
    assert.equal(fromUtf8(renderCall(call)), text, sig);
    const abiTypes = call.inputs.map((i) => i.type);
    assert.equal(toHex(encodeArguments(abiTypes, decodeArguments(abiTypes, data.subarray(4)))), toHex(data.subarray(4)));
  }
});

test('rendering: strings keep raw bytes, the caller Go-quotes the whole text', () => {
  const data = fromHex(ethersId('s(string)').slice(0, 10) + word(32) + word(3) + '61ff0a' + '00'.repeat(29));
  const text = renderCall(verifySelector('s(string)', data));
  assert.equal(goQuoteBytes(text), '"s(string: a\\xff\\n)"');
  assert.equal(goQuoteBytes(renderCall(verifySelector('safeSend(address)', SAFESEND))), '"safeSend(address: 0x0000000000000000000000000000000000000012)"');
});

test('empty tuple quirk: go-ethereum steps back one word after it', () => {
  // f(tuple,uint256) has signature f((),uint256); the uint256 is read from the same word as the tuple
  const data = fromHex(ethersId('f((),uint256)').slice(0, 10) + word(9));
  assert.equal(fromUtf8(renderCall(verifySelector('f(tuple,uint256)', data))), 'f((): {},uint256: 9)');
});
