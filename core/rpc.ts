// The seam between transports and the signer: one decoded JSON-RPC call in, a JSON result out.
// Transports (IPC, HTTP) build RpcCall; the method table in core/api.ts answers it; the audit log wraps it.
import type { Json } from './gojson.ts';
import type { Meta } from './ports.ts';

export interface RpcCall {
  /** Method name as sent, e.g. `account_signData`. */
  method: string;
  /** Positional params; `[]` when the request had no `params` or `params: null`. */
  params: Json[];
  meta: Meta;
}

/** Answers a call or throws a SignerError (its code and message become the JSON-RPC error). */
export type RpcHandler = (call: RpcCall) => Promise<Json>;

/** Metadata defaults for in-process calls (external-api.md §2). */
export function defaultMeta(): Meta {
  return { remote: 'NA', local: 'NA', scheme: 'NA', 'User-Agent': '', Origin: '' };
}
