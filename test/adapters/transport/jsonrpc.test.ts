// JSON-RPC processing against go-ethereum's rpc behaviour (external-api.md §3.2, §3.3, §1.2 batch rules).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GoJsonScanner as JsonStreamScanner, JsonEofError, JsonSyntaxError } from '../../../core/gojson-scan.ts';
import {
  JsonRpcServer,
  parseRequest,
  type CallContext,
  type JsonRpcOptions,
  type ServedCall,
} from '../../../adapters/transport/jsonrpc.ts';
import { ErrorCode, SignerError } from '../../../core/errors.ts';
import type { Json } from '../../../core/gojson.ts';
import { RawJson, rpcMethod, type MethodTable } from '../../../core/rpc.ts';
import type { RpcCall, RpcHandler } from '../../../core/rpc.ts';

const ipc: CallContext = { transport: 'ipc', meta: { remote: 'NA', local: 'NA', scheme: 'ipc', 'User-Agent': '', Origin: '' } };
const http: CallContext = {
  transport: 'http',
  meta: { remote: '127.0.0.1:5', local: 'localhost:8550', scheme: 'HTTP/1.1', 'User-Agent': 'x', Origin: '' },
};

/** A handler that echoes its call and fails on request, recording every call. */
function fakeHandler(): { handler: RpcHandler; calls: RpcCall[] } {
  const calls: RpcCall[] = [];
  const handler: RpcHandler = async (call) => {
    calls.push(call);
    switch (call.method) {
      case 'account_version':
        return '6.1.0';
      case 'account_echo':
        return call.params as Json;
      case 'account_deny':
        throw new SignerError('request denied');
      case 'account_uiError':
        throw new SignerError('ui said no', 1234, { reason: 'x' });
      case 'account_crash':
        throw new TypeError("Cannot read properties of undefined (reading 'x')");
      case 'account_crashString':
        throw 'boom';
      case 'account_html':
        return '<a&b>';
      case 'account_undefined':
        return undefined as unknown as Json;
      case 'account_bigint':
        return 1n as unknown as Json;
      default:
        throw new SignerError(`the method ${call.method} does not exist/is not available`, ErrorCode.methodNotFound);
    }
  };
  return { handler, calls };
}

async function answer(text: string, ctx: CallContext = ipc, options?: JsonRpcOptions): Promise<string | null> {
  const server = new JsonRpcServer(fakeHandler().handler, options);
  const reply = await server.handleText(text, ctx);
  return reply === null ? null : reply.text;
}

function scanAll(input: string): string[] {
  const s = new JsonStreamScanner();
  s.push(input);
  const out: string[] = [];
  for (let v = s.next(); v !== null; v = s.next()) out.push(v);
  const last = s.finish();
  if (last !== null) out.push(last);
  return out;
}

function syntaxError(input: string): string {
  try {
    scanAll(input);
  } catch (err) {
    assert.ok(err instanceof JsonSyntaxError, `expected a syntax error for ${JSON.stringify(input)}`);
    return err.message;
  }
  assert.fail(`no error for ${JSON.stringify(input)}`);
}

// ---------------------------------------------------------------------------------------------------------
// Stream splitting
// ---------------------------------------------------------------------------------------------------------

test('scanner splits concatenated values without separators', () => {
  // a stream decoder ends a number at the first non-number character: "01" is two values
  assert.deepEqual(scanAll('01'), ['0', '1']);
  assert.deepEqual(scanAll('{"a":1}[1,2]"x"12 3{"b":[true,null]}4 '), ['{"a":1}', '[1,2]', '"x"', '12', '3', '{"b":[true,null]}', '4']);
  assert.deepEqual(scanAll(' \n\t\r{}\n\n[]\n'), ['{}', '[]']);
  assert.deepEqual(scanAll('   '), []);
});

test('scanner finds the same values at every split point of the input', () => {
  const input = '{"jsonrpc":"2.0","id":1.5e3,"method":"a_b","params":["\\u00e9\\"]}",-0.25,{"k":[]}]}\n[{"x":"é"}]true null  -7';
  const whole = scanAll(input);
  assert.equal(whole.length, 5);
  for (let cut = 0; cut <= input.length; cut++) {
    const s = new JsonStreamScanner();
    const out: string[] = [];
    for (const part of [input.slice(0, cut), input.slice(cut)]) {
      s.push(part);
      for (let v = s.next(); v !== null; v = s.next()) out.push(v);
    }
    const last = s.finish();
    if (last !== null) out.push(last);
    assert.deepEqual(out, whole, `split at ${cut}`);
  }
  // one character per push
  const s = new JsonStreamScanner();
  const out: string[] = [];
  for (const ch of input) {
    s.push(ch);
    for (let v = s.next(); v !== null; v = s.next()) out.push(v);
  }
  const last = s.finish();
  if (last !== null) out.push(last);
  assert.deepEqual(out, whole);
});

test('scanner reports Go syntax-error texts', () => {
  const cases: [string, string][] = [
    ['x', "invalid character 'x' looking for beginning of value"],
    ['{"a" 1}', "invalid character '1' after object key"],
    ['{"a":1 x', "invalid character 'x' after object key:value pair"],
    ['[1 2]', "invalid character '2' after array element"],
    ['{,}', "invalid character ',' looking for beginning of object key string"],
    ['{"a":1,}', "invalid character '}' looking for beginning of object key string"],
    ['[1,]', "invalid character ']' looking for beginning of value"],
    ['"a\u0001"', "invalid character '\\x01' in string literal"],
    ['"a\n"', "invalid character '\\n' in string literal"],
    ['"\\x"', "invalid character 'x' in string escape code"],
    ['"\\u12g4"', "invalid character 'g' in \\u hexadecimal character escape"],
    ['-x', "invalid character 'x' in numeric literal"],
    ['1.x', "invalid character 'x' after decimal point in numeric literal"],
    ['1e+x', "invalid character 'x' in exponent of numeric literal"],
    ['tx', "invalid character 'x' in literal true (expecting 'r')"],
    ['fals0', "invalid character '0' in literal false (expecting 'e')"],
    ['nul1', "invalid character '1' in literal null (expecting 'l')"],
    ["'a'", "invalid character '\\'' looking for beginning of value"],
    ['{"a":1}}', "invalid character '}' looking for beginning of value"],
    ['é', "invalid character 'Ã' looking for beginning of value"],
    ['\ufeff{}', "invalid character 'ï' looking for beginning of value"],
    ['[01]', "invalid character '1' after array element"],
    ['[' .repeat(10001), "invalid character '[' exceeded max depth"],
  ];
  for (const [input, message] of cases) assert.equal(syntaxError(input), message, JSON.stringify(input));
  // 10000 levels are still fine
  assert.deepEqual(scanAll('['.repeat(10000) + ']'.repeat(10000)).length, 1);
});

test('scanner: errors are sticky, a cut-off value is an unexpected EOF, buffered counts the pending value', () => {
  const s = new JsonStreamScanner();
  s.push('{"a":');
  assert.equal(s.next(), null);
  assert.equal(s.buffered, 5);
  s.push('"' + 'z'.repeat(100));
  assert.equal(s.next(), null);
  assert.equal(s.buffered, 106);
  assert.throws(() => s.finish(), JsonEofError);

  const bad = new JsonStreamScanner();
  bad.push('{}x{}');
  assert.equal(bad.next(), '{}');
  assert.throws(() => bad.next(), JsonSyntaxError);
  bad.push('{}');
  assert.throws(() => bad.next(), JsonSyntaxError);
});

// ---------------------------------------------------------------------------------------------------------
// Request decoding
// ---------------------------------------------------------------------------------------------------------

test('requests decode like Go structs: case-insensitive keys, last key wins, wrong types leave the zero value', () => {
  const one = parseRequest('{"JSONRPC":"2.0","Id":7,"METHOD":"a_b","Params":[1]}');
  assert.deepEqual(one, { batch: false, request: { version: '2.0', id: '7', method: 'a_b', params: '[1]', hasResult: false, hasError: false } });
  const dup = parseRequest('{"id":1,"method":"x","method":5,"ID":"two","jsonrpc":null,"jsonrpc":"2.0"}');
  assert.equal(dup.batch, false);
  if (!dup.batch) {
    assert.equal(dup.request.id, '"two"');
    assert.equal(dup.request.method, 'x');
    assert.equal(dup.request.version, '2.0');
  }
  const batch = parseRequest(' [ 1 , {"id" : null , "result" : 1} , "s" ] ');
  assert.equal(batch.batch, true);
  if (batch.batch) {
    assert.equal(batch.requests.length, 3);
    assert.equal(batch.requests[1].id, 'null');
    assert.equal(batch.requests[1].hasResult, true);
    assert.equal(batch.requests[2].method, '');
  }
});

// ---------------------------------------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------------------------------------

test('id is echoed byte for byte (numbers as written, strings, null), keys in geth order', async () => {
  for (const id of ['1', '"abc"', '1.0', '1e3', '-0', '1E+400', '123456789012345678901234567890', 'null', '"\\u00e9 é"', 'true']) {
    assert.equal(
      await answer(`{"jsonrpc":"2.0","id":${id},"method":"account_version"}`),
      `{"jsonrpc":"2.0","id":${id},"result":"6.1.0"}`,
    );
  }
  // Go re-encodes the raw id with HTML escaping
  assert.equal(
    await answer('{"jsonrpc":"2.0","id":"<a&b>","method":"account_version"}'),
    '{"jsonrpc":"2.0","id":"\\u003ca\\u0026b\\u003e","result":"6.1.0"}',
  );
});

test('geth client requests (external-api.md §10.2) get the documented answers', async () => {
  const { handler, calls } = fakeHandler();
  const server = new JsonRpcServer(handler);
  const version = await server.handleText('{"jsonrpc":"2.0","id":1,"method":"account_version"}', ipc);
  assert.deepEqual(version, { text: '{"jsonrpc":"2.0","id":1,"result":"6.1.0"}', transportError: false });
  const echo = await server.handleText(
    '{"jsonrpc":"2.0","id":3,"method":"account_echo","params":["text/plain","0x8A8eAFb1cf62BfBeb1741769DAE1a9dd47996192","0x68656c6c6f"]}',
    http,
  );
  assert.equal(echo?.text, '{"jsonrpc":"2.0","id":3,"result":["text/plain","0x8A8eAFb1cf62BfBeb1741769DAE1a9dd47996192","0x68656c6c6f"]}');
  assert.deepEqual(calls[0], { method: 'account_version', params: [], meta: ipc.meta });
  assert.deepEqual(calls[1].meta, http.meta);
});

test('invalid requests (-32600) and parameter shape errors (-32602)', async () => {
  const invalid = (id: string) => `{"jsonrpc":"2.0","id":${id},"error":{"code":-32600,"message":"invalid request"}}`;
  assert.equal(await answer('{"id":1,"method":"account_version"}'), invalid('1'));
  assert.equal(await answer('{"jsonrpc":"1.0","id":1,"method":"account_version"}'), invalid('1'));
  assert.equal(await answer('{"jsonrpc":2.0,"id":"a","method":"account_version"}'), invalid('"a"'));
  assert.equal(await answer('{"jsonrpc":"2.0","id":1}'), invalid('1'));
  assert.equal(await answer('{"jsonrpc":"2.0","id":1,"method":""}'), invalid('1'));
  assert.equal(await answer('{"jsonrpc":"2.0","id":1,"method":42}'), invalid('1'));
  assert.equal(await answer('{"jsonrpc":"2.0","id":{"a":1},"method":"account_version"}'), invalid('null'));
  assert.equal(await answer('{"jsonrpc":"2.0","id":[1],"method":"account_version"}'), invalid('null'));
  assert.equal(await answer('{"jsonrpc":"2.0"}'), invalid('null'));
  for (const top of ['5', '"x"', 'null', 'true', '{}']) assert.equal(await answer(top), invalid('null'));

  const long = 'a'.repeat(2049);
  assert.equal(
    await answer(`{"jsonrpc":"2.0","id":1,"method":"${long}"}`),
    // Go's encoder escapes '>' in the message
    '{"jsonrpc":"2.0","id":1,"error":{"code":-32600,"message":"method name too long: 2049 \\u003e 2048"}}',
  );
  // the limit counts UTF-8 bytes
  assert.match((await answer(`{"jsonrpc":"2.0","id":1,"method":"${'é'.repeat(1025)}"}`))!, /method name too long: 2050 \\u003e 2048/);
  assert.match((await answer(`{"jsonrpc":"2.0","id":1,"method":"${'a'.repeat(2048)}"}`))!, /-32601/);

  const nonArray = '{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"non-array args"}}';
  for (const p of ['{}', '{"a":1}', '"x"', '1', 'true']) {
    assert.equal(await answer(`{"jsonrpc":"2.0","id":1,"method":"account_echo","params":${p}}`), nonArray, p);
  }
  for (const p of ['null', '[]']) {
    assert.equal(await answer(`{"jsonrpc":"2.0","id":1,"method":"account_echo","params":${p}}`), '{"jsonrpc":"2.0","id":1,"result":[]}');
  }
  assert.equal(await answer('{"jsonrpc":"2.0","id":1,"method":"account_echo"}'), '{"jsonrpc":"2.0","id":1,"result":[]}');
});

test('rpc_modules is answered by the server itself', async () => {
  assert.equal(await answer('{"jsonrpc":"2.0","id":1,"method":"rpc_modules"}'), '{"jsonrpc":"2.0","id":1,"result":{"account":"1.0","rpc":"1.0"}}');
  assert.equal(await answer('{"jsonrpc":"2.0","id":1,"method":"rpc_modules","params":[]}', http), '{"jsonrpc":"2.0","id":1,"result":{"account":"1.0","rpc":"1.0"}}');
  assert.equal(
    await answer('{"jsonrpc":"2.0","id":1,"method":"rpc_modules","params":[1]}'),
    '{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"too many arguments, want at most 0"}}',
  );
  assert.equal(
    await answer('{"jsonrpc":"2.0","id":1,"method":"rpc_modules","params":{}}'),
    '{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"non-array args"}}',
  );
});

test('subscriptions: not supported over HTTP, none exist over IPC; unsubscribe finds nothing', async () => {
  const sub = '{"jsonrpc":"2.0","id":1,"method":"account_subscribe","params":["x"]}';
  assert.equal(await answer(sub, http), '{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"notifications not supported"}}');
  assert.equal(await answer(sub, ipc), '{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"no \\"x\\" subscription in account namespace"}}');
  assert.equal(
    await answer('{"jsonrpc":"2.0","id":1,"method":"eth_subscribe","params":["newHeads",{}]}'),
    '{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"no \\"newHeads\\" subscription in eth namespace"}}',
  );
  assert.equal(await answer('{"jsonrpc":"2.0","id":1,"method":"account_subscribe"}'), '{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"non-array args"}}');
  assert.equal(
    await answer('{"jsonrpc":"2.0","id":1,"method":"account_subscribe","params":[1]}'),
    '{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"expected subscription name as first argument"}}',
  );
  const unsub = (p: string) => answer(`{"jsonrpc":"2.0","id":1,"method":"account_unsubscribe"${p}}`, http);
  assert.equal(await unsub(',"params":["0x1"]'), '{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"subscription not found"}}');
  assert.equal(await unsub(''), '{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"missing value for required argument 0"}}');
  assert.equal(await unsub(',"params":["a","b"]'), '{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"too many arguments, want at most 1"}}');
  assert.equal(
    await unsub(',"params":[{}]'),
    '{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"invalid argument 0: json: cannot unmarshal object into Go value of type rpc.ID"}}',
  );
});

test('handler errors: SignerError code/message/data relayed, anything else is -32603 and never rejects', async () => {
  assert.equal(await answer('{"jsonrpc":"2.0","id":1,"method":"account_deny"}'), '{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"request denied"}}');
  assert.equal(
    await answer('{"jsonrpc":"2.0","id":1,"method":"account_uiError"}'),
    '{"jsonrpc":"2.0","id":1,"error":{"code":1234,"message":"ui said no","data":{"reason":"x"}}}',
  );
  assert.equal(
    await answer('{"jsonrpc":"2.0","id":1,"method":"account_foo"}'),
    '{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"the method account_foo does not exist/is not available"}}',
  );
  const logged: string[] = [];
  const logger = { crit() {}, error: (m: string) => logged.push(m), warn() {}, info() {}, debug() {}, trace() {} };
  for (const m of ['account_crash', 'account_crashString']) {
    assert.equal(
      await answer(`{"jsonrpc":"2.0","id":1,"method":"${m}"}`, ipc, { logger }),
      '{"jsonrpc":"2.0","id":1,"error":{"code":-32603,"message":"method handler crashed"}}',
    );
  }
  assert.equal(logged.length, 2);
  assert.match(logged[0], /^RPC method account_crash crashed/);
  // a synchronous throw is contained as well
  const sync = new JsonRpcServer(() => {
    throw new Error('sync');
  });
  assert.equal((await sync.handleText('{"jsonrpc":"2.0","id":1,"method":"a_b"}', ipc))?.text, '{"jsonrpc":"2.0","id":1,"error":{"code":-32603,"message":"method handler crashed"}}');
  assert.equal(await answer('{"jsonrpc":"2.0","id":1,"method":"account_html"}'), '{"jsonrpc":"2.0","id":1,"result":"\\u003ca\\u0026b\\u003e"}');
  assert.equal(await answer('{"jsonrpc":"2.0","id":1,"method":"account_undefined"}'), '{"jsonrpc":"2.0","id":1,"result":null}');
  assert.match((await answer('{"jsonrpc":"2.0","id":1,"method":"account_bigint"}'))!, /^\{"jsonrpc":"2.0","id":1,"error":\{"code":-32603,/);
});

test('huge and odd numbers in params reach the handler without harming the server', async () => {
  const { handler, calls } = fakeHandler();
  const server = new JsonRpcServer(handler);
  const r = await server.handleText('{"jsonrpc":"2.0","id":1e400,"method":"account_echo","params":[1e400,123456789012345678901234567890,-0,"0x1"]}', ipc);
  assert.equal(r?.text, '{"jsonrpc":"2.0","id":1e400,"result":[null,1.2345678901234568e+29,0,"0x1"]}');
  assert.equal(calls[0].params[0], Infinity);
});

test('with a method list, unknown methods fail before their params are looked at (geth order)', async () => {
  const opts = { methods: ['account_version', 'account_echo'] };
  assert.equal(
    await answer('{"jsonrpc":"2.0","id":1,"method":"account_nope","params":{}}', ipc, opts),
    '{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"the method account_nope does not exist/is not available"}}',
  );
  assert.equal(await answer('{"jsonrpc":"2.0","id":1,"method":"account_echo","params":{}}', ipc, opts), '{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"non-array args"}}');
  assert.equal(await answer('{"jsonrpc":"2.0","id":1,"method":"rpc_modules"}', ipc, opts), '{"jsonrpc":"2.0","id":1,"result":{"account":"1.0","rpc":"1.0"}}');
});

test('notifications run but are not answered; stray responses and subscription notifications are ignored', async () => {
  const { handler, calls } = fakeHandler();
  const server = new JsonRpcServer(handler);
  assert.equal(await server.handleText('{"jsonrpc":"2.0","method":"account_echo","params":[1]}', ipc), null);
  assert.equal(await server.handleText('{"jsonrpc":"2.0","method":"account_crash"}', http), null);
  assert.equal(calls.length, 2);
  assert.equal(await server.handleText('{"jsonrpc":"2.0","id":9,"result":"0x1"}', ipc), null);
  assert.equal(await server.handleText('{"jsonrpc":"2.0","id":9,"error":{"code":1,"message":"m"}}', ipc), null);
  assert.equal(await server.handleText('{"jsonrpc":"2.0","method":"eth_subscription","params":{}}', ipc), null);
  assert.equal(calls.length, 2);
  // an id of null is a call, not a notification
  assert.equal((await server.handleText('{"jsonrpc":"2.0","id":null,"method":"account_version"}', ipc))?.text, '{"jsonrpc":"2.0","id":null,"result":"6.1.0"}');
});

test('batches run sequentially and answer in order; notifications inside are silent', async () => {
  let active = 0;
  let overlapped = false;
  const order: number[] = [];
  // Each call waits at a gate the test opens only after it saw the call enter: a batch run concurrently would
  // have a second call waiting (or `overlapped` set) before the first is let through.
  const waiting: (() => void)[] = [];
  let entered: (() => void) | null = null;
  let gated = true;
  const server = new JsonRpcServer(async (call) => {
    active++;
    if (active > 1) overlapped = true;
    if (gated) {
      await new Promise<void>((r) => {
        waiting.push(r);
        entered?.();
      });
    }
    order.push(call.params[0] as number);
    active--;
    return call.params[0];
  });
  const nextEntry = () => new Promise<void>((r) => (waiting.length > 0 ? r() : (entered = r)));
  const batch = '[{"jsonrpc":"2.0","id":"a","method":"x_y","params":[1]},{"jsonrpc":"2.0","method":"x_y","params":[2]},5,{"jsonrpc":"2.0","id":3,"method":"x_y","params":[3]}]';
  const pending = server.handleText(batch, ipc);
  for (let i = 0; i < 3; i++) {
    await nextEntry();
    entered = null;
    assert.equal(waiting.length, 1, 'one call of the batch at a time');
    waiting.shift()!();
  }
  gated = false;
  const reply = await pending;
  assert.deepEqual(reply, {
    text: '[{"jsonrpc":"2.0","id":"a","result":1},{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"invalid request"}},{"jsonrpc":"2.0","id":3,"result":3}]',
    transportError: false,
  });
  assert.deepEqual(order, [1, 2, 3]);
  assert.equal(overlapped, false);
  assert.equal(await server.handleText('[{"jsonrpc":"2.0","method":"x_y","params":[4]}]', ipc), null);
  assert.deepEqual(await server.handleText('[]', ipc), {
    text: '{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"empty batch"}}',
    transportError: true,
  });
});

test('batch limits apply over HTTP only: 1000 entries, then result bytes', async () => {
  const entries = (n: number, first = 0) =>
    '[' + Array.from({ length: n }, (_, i) => (i < first ? '{"jsonrpc":"2.0","method":"account_version"}' : `{"jsonrpc":"2.0","id":${i},"method":"account_version"}`)).join(',') + ']';
  assert.deepEqual(await new JsonRpcServer(fakeHandler().handler).handleText(entries(1001, 2), http), {
    text: '[{"jsonrpc":"2.0","id":2,"error":{"code":-32600,"message":"batch too large"}}]',
    transportError: true,
  });
  assert.equal((await answer(entries(1000), http))!.split('"result"').length, 1001);
  assert.equal((await answer(entries(1001), ipc))!.split('"result"').length, 1002);
  assert.equal(await answer('[' + Array(1001).fill('1').join(',') + ']', http), '[{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"batch too large"}}]');

  // "6.1.0" is 7 result bytes: the second answer crosses 10, the rest get -32003
  const server = new JsonRpcServer(fakeHandler().handler, { maxBatchResponseBytes: 10 });
  const r = await server.handleText(
    '[{"jsonrpc":"2.0","id":1,"method":"account_version"},{"jsonrpc":"2.0","id":2,"method":"account_version"},{"jsonrpc":"2.0","method":"account_version"},{"jsonrpc":"2.0","id":4,"method":"account_version"}]',
    http,
  );
  assert.deepEqual(r, {
    text: '[{"jsonrpc":"2.0","id":1,"result":"6.1.0"},{"jsonrpc":"2.0","id":2,"result":"6.1.0"},{"jsonrpc":"2.0","id":4,"error":{"code":-32003,"message":"response too large"}}]',
    transportError: true,
  });
  const unlimited = await server.handleText('[{"jsonrpc":"2.0","id":1,"method":"account_version"},{"jsonrpc":"2.0","id":2,"method":"account_version"}]', ipc);
  assert.equal(unlimited?.transportError, false);
});

/** A handler that blocks until released, to exercise deadlines. */
function gatedServer() {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const finished: string[] = [];
  const running: Promise<string>[] = []; // the handler's own promises, awaited instead of sleeping
  const server = new JsonRpcServer((call) => {
    const run = (async () => {
      if (call.method === 'x_slow') {
        await gate;
        finished.push(call.method);
      }
      return 'ok';
    })();
    running.push(run);
    return run;
  });
  return { server, release, finished, running };
}

test('deadline: -32002 is answered while the handler keeps running; its late result is dropped', async () => {
  const { server, release, finished, running } = gatedServer();
  const reply = await server.handleText('{"jsonrpc":"2.0","id":"t","method":"x_slow"}', { ...http, timeoutMs: 20 });
  assert.deepEqual(reply, { text: '{"jsonrpc":"2.0","id":"t","error":{"code":-32002,"message":"request timed out"}}', transportError: true });
  assert.deepEqual(finished, []);
  assert.equal(running.length, 1); // the handler was entered and is still held at the gate
  release();
  assert.equal(await running[0], 'ok'); // it ran on to the end after the deadline answered
  assert.deepEqual(finished, ['x_slow']);
  // a fast call is not affected by the deadline
  assert.deepEqual(await server.handleText('{"jsonrpc":"2.0","id":1,"method":"x_fast"}', { ...http, timeoutMs: 5000 }), {
    text: '{"jsonrpc":"2.0","id":1,"result":"ok"}',
    transportError: false,
  });
});

test('deadline on a batch answers the finished calls and times out the rest; a notification times out without id', async () => {
  const { server, release } = gatedServer();
  const reply = await server.handleText(
    '[{"jsonrpc":"2.0","id":1,"method":"x_fast"},{"jsonrpc":"2.0","id":2,"method":"x_slow"},{"jsonrpc":"2.0","method":"x_fast"},{"jsonrpc":"2.0","id":4,"method":"x_fast"}]',
    { ...http, timeoutMs: 20 },
  );
  assert.deepEqual(reply, {
    text: '[{"jsonrpc":"2.0","id":1,"result":"ok"},{"jsonrpc":"2.0","id":2,"error":{"code":-32002,"message":"request timed out"}},{"jsonrpc":"2.0","id":4,"error":{"code":-32002,"message":"request timed out"}}]',
    transportError: true,
  });
  const note = await server.handleText('{"jsonrpc":"2.0","method":"x_slow"}', { ...http, timeoutMs: 20 });
  assert.deepEqual(note, { text: '{"jsonrpc":"2.0","error":{"code":-32002,"message":"request timed out"}}', transportError: true });
  release();
});

test('a method table: Go argument order (a bad argument 0 before "too many"), raw results, onServed per call', async () => {
  const served: ServedCall[] = [];
  const table: MethodTable = new Map([
    ['x_echo', rpcMethod<[string]>([{ decode: (v) => { if (typeof v !== 'string') throw new Error('not a string'); return v; } }], async ([s]) => s)],
    ['x_raw', rpcMethod<[]>([], async () => new RawJson('{"b":1, "a":2}'))],
  ]);
  const server = new JsonRpcServer(table, { onServed: (s) => served.push(s) });
  const ask = async (text: string) => (await server.handleText(text, ipc))?.text ?? null;
  const cases: [string, string][] = [
    ['{"jsonrpc":"2.0","id":1,"method":"x_echo","params":["a"]}', '{"jsonrpc":"2.0","id":1,"result":"a"}'],
    ['{"jsonrpc":"2.0","id":2,"method":"x_echo","params":[1,2]}', '{"jsonrpc":"2.0","id":2,"error":{"code":-32602,"message":"invalid argument 0: not a string"}}'],
    ['{"jsonrpc":"2.0","id":3,"method":"x_echo","params":["a",2]}', '{"jsonrpc":"2.0","id":3,"error":{"code":-32602,"message":"too many arguments, want at most 1"}}'],
  ];
  for (const [request, reply] of cases) assert.equal(await ask(request), reply);
  assert.equal(await ask('{"jsonrpc":"2.0","id":4,"method":"x_raw"}'), '{"jsonrpc":"2.0","id":4,"result":{"b":1, "a":2}}');
  // rpc_modules belongs to a table (the external API's has it); this one does not
  assert.match((await ask('{"jsonrpc":"2.0","id":5,"method":"rpc_modules"}'))!, /"code":-32601/);
  assert.equal(await ask('{"jsonrpc":"2.0","method":"x_echo","params":["n"]}'), null);
  assert.deepEqual(
    served.map((s) => [s.method, s.id, s.error?.code]),
    [
      ['x_echo', '1', undefined],
      ['x_echo', '2', -32602],
      ['x_echo', '3', -32602],
      ['x_raw', '4', undefined],
      ['rpc_modules', '5', -32601],
      ['x_echo', undefined, undefined],
    ],
  );
  assert.ok(served.every((s) => Number.isFinite(s.durationMs)));
});
