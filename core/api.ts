// The JSON-RPC method table of clef's external API: each method's positional parameter decoders (Go's types and
// error texts; core/rpc.ts applies go-ethereum's argument rules) and the ExternalApi call it runs. The JSON-RPC
// server serves the table; the audit log decorates it.
import { toHex, type Address } from './bytes.ts';
import { ErrorCode, SignerError } from './errors.ts';
import { jsonKind, MixedcaseAddress, isJsonObject, jsonBytes, type Json } from './gojson.ts';
import { RawJson, rpcMethod, runMethod, type MethodTable, type RpcCall, type RpcHandler, type RpcMethod, type RpcParam } from './rpc.ts';
import type { ExternalApi } from './signer.ts';
import { decodeSendTxArgs, type SendTxArgs } from './tx.ts';
import { parseTypedData, type TypedData } from './eip712.ts';
import { parseGnosisSafeTx, type GnosisSafeTx } from './gnosis.ts';

/** A Go `string` parameter: null → "", non-string → unmarshal error. */
const goString: RpcParam<string> = {
  decode(v) {
    if (v === null) return '';
    if (typeof v !== 'string') throw new Error(`json: cannot unmarshal ${jsonKind(v)} into Go value of type string`);
    return v;
  },
};

/** An optional `*string` parameter (method selector): absent/null → null. */
const optString: RpcParam<string | null> = {
  decode: (v) => (v === null ? null : goString.decode(v, '')),
  absent: () => null,
};

/** A struct parameter: null → zero value (an empty object); a non-object is an unmarshal error. */
function goStruct<T>(goType: string, decode: (v: Json) => T): RpcParam<T> {
  return {
    decode(v) {
      if (v !== null && !isJsonObject(v)) throw new Error(`json: cannot unmarshal ${jsonKind(v)} into Go value of type ${goType}`);
      return decode(v ?? {});
    },
  };
}

const address: RpcParam<MixedcaseAddress> = { decode: (v) => MixedcaseAddress.fromJson(v) };
const bytes: RpcParam<Uint8Array> = { decode: (v) => jsonBytes(v, { goType: 'hexutil.Bytes' }) };
/** interface{} (signData's data): any JSON value, as decoded. */
const anyValue: RpcParam<Json> = { decode: (v) => v };

const modules: Json = { account: '1.0', rpc: '1.0' };

/**
 * The external API's method table: `account_*` over an ExternalApi, plus geth's built-in `rpc_modules`
 * (the audit log does not record it; account_new neither, see adapters/audit).
 */
export function accountMethods(api: ExternalApi): MethodTable {
  return new Map<string, RpcMethod>([
    ['rpc_modules', rpcMethod<[]>([], async () => modules)],
    ['account_version', rpcMethod<[]>([], async (_a, { meta }) => api.version(meta))],
    ['account_list', rpcMethod<[]>([], async (_a, { meta }) => (await api.list(meta)) as Address[])],
    ['account_new', rpcMethod<[]>([], async (_a, { meta }) => api.newAccount(meta))],
    [
      'account_signTransaction',
      rpcMethod<[SendTxArgs, string | null]>([goStruct('apitypes.SendTxArgs', decodeSendTxArgs), optString], async ([args, selector], { meta }) => {
        return (await api.signTransaction(meta, args, selector)) as unknown as Json;
      }),
    ],
    [
      'account_signData',
      rpcMethod<[string, MixedcaseAddress, Json]>([goString, address, anyValue], async ([contentType, addr, data], { meta }) =>
        toHex(await api.signData(meta, contentType, addr, data)),
      ),
    ],
    [
      'account_signTypedData',
      rpcMethod<[MixedcaseAddress, TypedData]>([address, goStruct('apitypes.TypedData', parseTypedData)], async ([addr, td], { meta }) =>
        toHex(await api.signTypedData(meta, addr, td)),
      ),
    ],
    ['account_ecRecover', rpcMethod<[Uint8Array, Uint8Array]>([bytes, bytes], async ([data, sig], { meta }) => api.ecRecover(meta, data, sig))],
    [
      'account_signGnosisSafeTx',
      rpcMethod<[MixedcaseAddress, GnosisSafeTx, string | null]>(
        [address, goStruct('core.GnosisSafeTx', parseGnosisSafeTx), optString],
        async ([addr, safeTx, selector], { meta }) => api.signGnosisSafeTx(meta, addr, safeTx, selector),
      ),
    ],
  ]);
}

/** The table as one RpcHandler (in-process callers and tests): unknown methods are -32601. */
export function tableHandler(table: MethodTable): RpcHandler {
  return async (call: RpcCall): Promise<Json> => {
    const method = table.get(call.method);
    if (!method) throw new SignerError(`the method ${call.method} does not exist/is not available`, ErrorCode.methodNotFound);
    const result = await runMethod(method, call);
    return result instanceof RawJson ? (JSON.parse(result.text) as Json) : result;
  };
}

/** Builds the RpcHandler that serves the `account` namespace from an ExternalApi. */
export function accountHandler(api: ExternalApi): RpcHandler {
  return tableHandler(accountMethods(api));
}
