// The JSON-RPC method table of clef's external API: decodes positional params the way go-ethereum's RPC server
// does (errors -32602 `invalid argument N: …`, `missing value for required argument N`, `too many arguments, want
// at most N`) and calls the signer. Transports hand RpcCalls here; the audit log wraps the result.
import { toHex, type Address } from './bytes.ts';
import { ErrorCode, InvalidParamsError, SignerError, errorMessage } from './errors.ts';
import { jsonKind, MixedcaseAddress, isJsonObject, jsonBytes, type Json } from './gojson.ts';
import type { RpcCall, RpcHandler } from './rpc.ts';
import type { ExternalApi } from './signer.ts';
import { decodeSendTxArgs } from './tx.ts';
import { parseTypedData } from './eip712.ts';
import { parseGnosisSafeTx } from './gnosis.ts';

interface ParamSpec {
  /** Number of required leading params. */
  required: number;
  /** Total params accepted. */
  max: number;
}

function checkArity(params: Json[], spec: ParamSpec): void {
  if (params.length > spec.max) throw new InvalidParamsError(`too many arguments, want at most ${spec.max}`);
  if (params.length < spec.required) throw new InvalidParamsError(`missing value for required argument ${params.length}`);
}

/** Wraps a decoding failure of argument `i` as -32602. */
function arg<T>(i: number, decode: () => T): T {
  try {
    return decode();
  } catch (e) {
    throw new InvalidParamsError(`invalid argument ${i}: ${errorMessage(e)}`);
  }
}

/** A Go `string` parameter: null → "", non-string → unmarshal error. */
function goString(v: Json | undefined): string {
  if (v === null || v === undefined) return '';
  if (typeof v !== 'string') throw new Error(`json: cannot unmarshal ${jsonKind(v)} into Go value of type string`);
  return v;
}

/** An optional `*string` parameter (method selector): absent/null → null. */
function optString(v: Json | undefined): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'string') throw new Error(`json: cannot unmarshal ${jsonKind(v)} into Go value of type string`);
  return v;
}

/** A struct parameter: null → zero value (an empty object); a non-object is an unmarshal error. */
function goStruct(v: Json | undefined, goType: string): Json {
  if (v === null || v === undefined) return {};
  if (!isJsonObject(v)) throw new Error(`json: cannot unmarshal ${jsonKind(v)} into Go value of type ${goType}`);
  return v;
}

function hexSig(b: Uint8Array): string {
  return toHex(b);
}

/** The method names of clef's external API (case-sensitive). */
export const EXTERNAL_METHODS = [
  'account_version',
  'account_list',
  'account_new',
  'account_signTransaction',
  'account_signData',
  'account_signTypedData',
  'account_ecRecover',
  'account_signGnosisSafeTx',
] as const;

/** Builds the RpcHandler that serves the `account` namespace from an ExternalApi. */
export function accountHandler(api: ExternalApi): RpcHandler {
  return async (call: RpcCall): Promise<Json> => {
    const { params, meta } = call;
    switch (call.method) {
      case 'account_version':
        checkArity(params, { required: 0, max: 0 });
        return api.version(meta);
      case 'account_list':
        checkArity(params, { required: 0, max: 0 });
        return (await api.list(meta)) as Address[];
      case 'account_new':
        checkArity(params, { required: 0, max: 0 });
        return api.newAccount(meta);
      case 'account_signTransaction': {
        checkArity(params, { required: 1, max: 2 });
        const args = arg(0, () => decodeSendTxArgs(goStruct(params[0], 'apitypes.SendTxArgs')));
        const selector = arg(1, () => optString(params[1]));
        return (await api.signTransaction(meta, args, selector)) as unknown as Json;
      }
      case 'account_signData': {
        checkArity(params, { required: 3, max: 3 });
        const contentType = arg(0, () => goString(params[0]));
        const addr = arg(1, () => MixedcaseAddress.fromJson(params[1]));
        return hexSig(await api.signData(meta, contentType, addr, params[2]));
      }
      case 'account_signTypedData': {
        checkArity(params, { required: 2, max: 2 });
        const addr = arg(0, () => MixedcaseAddress.fromJson(params[0]));
        const td = arg(1, () => parseTypedData(goStruct(params[1], 'apitypes.TypedData')));
        return hexSig(await api.signTypedData(meta, addr, td));
      }
      case 'account_ecRecover': {
        checkArity(params, { required: 2, max: 2 });
        const data = arg(0, () => jsonBytes(params[0], { goType: 'hexutil.Bytes' }));
        const sig = arg(1, () => jsonBytes(params[1], { goType: 'hexutil.Bytes' }));
        return api.ecRecover(meta, data, sig);
      }
      case 'account_signGnosisSafeTx': {
        checkArity(params, { required: 2, max: 3 });
        const addr = arg(0, () => MixedcaseAddress.fromJson(params[0]));
        const safeTx = arg(1, () => parseGnosisSafeTx(goStruct(params[1], 'core.GnosisSafeTx')));
        const selector = arg(2, () => optString(params[2]));
        return api.signGnosisSafeTx(meta, addr, safeTx, selector);
      }
      default:
        throw new SignerError(`the method ${call.method} does not exist/is not available`, ErrorCode.methodNotFound);
    }
  };
}
