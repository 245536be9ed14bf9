// The seam between transports and the signer: a method table (name → parameter decoders + run) that the one
// JSON-RPC server (adapters/transport/jsonrpc.ts) serves, for the external API (core/api.ts, account_*) and the
// stdio UI's clef_* methods alike. Decorators such as the audit log wrap a table's methods and see decoded calls.
import { InvalidParamsError, errorMessage } from './errors.ts';
import type { Json } from './gojson.ts';
import type { Meta } from './ports.ts';

export interface RpcCall {
  /** Method name as sent, e.g. `account_signData`. */
  method: string;
  /** Positional params; `[]` when the request had no `params` or `params: null`. */
  params: Json[];
  /** The raw JSON text of each param, when the transport has it (json.RawMessage-style decoders need it). */
  raw?: string[];
  meta: Meta;
}

/** Answers a call or throws a SignerError (its code and message become the JSON-RPC error). */
export type RpcHandler = (call: RpcCall) => Promise<Json>;

/** A result the server writes verbatim (already Go-encoded JSON text, e.g. a json.RawMessage). */
export class RawJson {
  constructor(readonly text: string) {}
}

/** One positional parameter: decodes its JSON value (raw text alongside), or supplies an omitted optional one. */
export interface RpcParam<T> {
  decode(value: Json, raw: string): T;
  /** Present when the argument may be omitted (a Go pointer type). */
  absent?: () => T;
}

/** One method: its parameter decoders and what runs with the decoded arguments. */
export interface RpcMethod<A extends unknown[] = unknown[]> {
  params: { [K in keyof A]: RpcParam<A[K]> };
  run(args: A, call: RpcCall): Promise<Json | RawJson>;
}

/** The methods a server answers, by name (case-sensitive). */
export type MethodTable = ReadonlyMap<string, RpcMethod>;

/** Declares a method with typed arguments (the table itself is untyped). */
export function rpcMethod<A extends unknown[]>(params: { [K in keyof A]: RpcParam<A[K]> }, run: (args: A, call: RpcCall) => Promise<Json | RawJson>): RpcMethod {
  return { params, run } as unknown as RpcMethod;
}

/**
 * go-ethereum's parsePositionalArguments: each argument is decoded in order (`invalid argument N: …`), one
 * beyond the list is `too many arguments, want at most N`, an omitted required one `missing value for required
 * argument N`. All -32602.
 */
function decodePositional(call: RpcCall, params: readonly RpcParam<unknown>[]): unknown[] {
  const out: unknown[] = [];
  call.params.forEach((value, i) => {
    if (i >= params.length) throw new InvalidParamsError(`too many arguments, want at most ${params.length}`);
    try {
      out.push(params[i].decode(value, call.raw?.[i] ?? JSON.stringify(value)));
    } catch (e) {
      throw new InvalidParamsError(`invalid argument ${i}: ${errorMessage(e)}`);
    }
  });
  for (let i = call.params.length; i < params.length; i++) {
    const absent = params[i].absent;
    if (!absent) throw new InvalidParamsError(`missing value for required argument ${i}`);
    out.push(absent());
  }
  return out;
}

/** Decodes and runs a call on a method of the table. */
export function runMethod(method: RpcMethod, call: RpcCall): Promise<Json | RawJson> {
  return method.run(decodePositional(call, method.params), call);
}

/** Metadata defaults for in-process calls (external-api.md §2). */
export function defaultMeta(): Meta {
  return { remote: 'NA', local: 'NA', scheme: 'NA', 'User-Agent': '', Origin: '' };
}
