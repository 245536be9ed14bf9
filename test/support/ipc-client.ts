// A geth-like JSON-RPC client for clef's IPC endpoint (external-api.md §10.1–10.3): every request is compact JSON
// (Go's encoding, HTML-escaped) followed by `\n`, ids are 1, 2, 3 … per connection, a call without arguments carries
// no `params` key at all, and transactions are sent in geth's SendTxArgs shape. Responses are read line by line and
// matched by id; lines that match no pending call (e.g. id null) are queued for nextLine().
import { connect, type Socket } from 'node:net';
import { goStringify, type Json, type JsonObject } from '../../core/gojson.ts';

/** One JSON-RPC response as received. */
export interface RpcResponse {
  jsonrpc: string;
  id: Json;
  result?: Json;
  error?: { code: number; message: string; data?: Json };
}

/** A JSON-RPC error answer, thrown by call(). */
export class RpcError extends Error {
  readonly code: number;
  readonly data?: Json;
  constructor(code: number, message: string, data?: Json) {
    super(message);
    this.code = code;
    this.data = data;
  }
}

/** The exact request text geth writes (without the trailing newline). */
function gethRequestText(id: number, method: string, params?: readonly Json[]): string {
  const msg: JsonObject = { jsonrpc: '2.0', id, method };
  if (params !== undefined && params.length > 0) msg.params = [...params];
  return goStringify(msg);
}

/** A line of input with a bounded wait. */
class LineQueue {
  private lines: string[] = [];
  private waiters: ((line: string | null) => void)[] = [];
  private ended = false;
  push(line: string): void {
    const w = this.waiters.shift();
    if (w) w(line);
    else this.lines.push(line);
  }
  end(): void {
    this.ended = true;
    for (const w of this.waiters.splice(0)) w(null);
  }
  next(timeoutMs: number): Promise<string | null> {
    const line = this.lines.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (this.ended) return Promise.resolve(null);
    return new Promise((done, fail) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        fail(new Error(`no line within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = (l: string | null) => {
        clearTimeout(timer);
        done(l);
      };
      this.waiters.push(waiter);
    });
  }
}

/** A geth-like IPC connection. */
export class GethIpcClient {
  /** Every request line written, exactly (without `\n`). */
  readonly sent: string[] = [];
  /** Every response line received, exactly. */
  readonly received: string[] = [];
  /** Resolves when the server closed the connection (or it failed). */
  readonly closed: Promise<void>;
  private nextId = 1;
  private buffer = '';
  private readonly pending = new Map<string, (r: RpcResponse) => void>();
  private readonly unmatched = new LineQueue();
  private isClosed = false;

  private constructor(
    private readonly socket: Socket,
    private readonly timeoutMs: number,
  ) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.onData(chunk));
    this.closed = new Promise((done) => {
      const finish = () => {
        if (this.isClosed) return;
        this.isClosed = true;
        this.unmatched.end();
        done();
      };
      socket.on('close', finish);
      socket.on('end', finish);
      socket.on('error', finish);
    });
  }

  /** Connects to the unix socket at `path` (bounded by timeoutMs); `callTimeoutMs` bounds every later call. */
  static connect(path: string, opts: { timeoutMs?: number; callTimeoutMs?: number } = {}): Promise<GethIpcClient> {
    const timeoutMs = opts.timeoutMs ?? 5000;
    return new Promise((done, fail) => {
      const socket = connect(path);
      const timer = setTimeout(() => {
        socket.destroy();
        fail(new Error(`could not connect to ${path} within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('error', (e) => {
        clearTimeout(timer);
        fail(e);
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        done(new GethIpcClient(socket, opts.callTimeoutMs ?? 30000));
      });
    });
  }

  get isOpen(): boolean {
    return !this.isClosed;
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    for (let nl = this.buffer.indexOf('\n'); nl !== -1; nl = this.buffer.indexOf('\n')) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      if (line.trim() === '') continue;
      this.received.push(line);
      let parsed: RpcResponse | null = null;
      try {
        parsed = JSON.parse(line) as RpcResponse;
      } catch {
        parsed = null;
      }
      const key = parsed && !Array.isArray(parsed) && parsed.id !== undefined && parsed.id !== null ? JSON.stringify(parsed.id) : null;
      const waiter = key !== null ? this.pending.get(key) : undefined;
      if (waiter && parsed) {
        this.pending.delete(key!);
        waiter(parsed);
      } else {
        this.unmatched.push(line);
      }
    }
  }

  /** Writes raw text (no newline added): for malformed input. */
  writeRaw(text: string | Uint8Array): void {
    this.socket.write(text);
  }

  /** The next response line that matched no pending call, or null once the connection closed. */
  nextLine(timeoutMs = this.timeoutMs): Promise<string | null> {
    return this.unmatched.next(timeoutMs);
  }

  /** Sends one geth-shaped request and waits (bounded) for its response. */
  request(method: string, params?: readonly Json[], timeoutMs = this.timeoutMs): Promise<RpcResponse> {
    const id = this.nextId++;
    const text = gethRequestText(id, method, params);
    this.sent.push(text);
    return new Promise((done, fail) => {
      const key = JSON.stringify(id);
      const timer = setTimeout(() => {
        this.pending.delete(key);
        fail(new Error(`${method} (id ${id}) got no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(key, (r) => {
        clearTimeout(timer);
        done(r);
      });
      void this.closed.then(() => {
        if (this.pending.delete(key)) {
          clearTimeout(timer);
          fail(new Error(`connection closed before the answer to ${method} (id ${id})`));
        }
      });
      this.socket.write(`${text}\n`);
    });
  }

  /** Like request(), but returns the result and throws RpcError on an error answer. */
  async call<T extends Json = Json>(method: string, params?: readonly Json[], timeoutMs?: number): Promise<T> {
    const r = await this.request(method, params, timeoutMs);
    if (r.error) throw new RpcError(r.error.code, r.error.message, r.error.data);
    if (!('result' in r)) throw new Error(`answer without result: ${JSON.stringify(r)}`);
    return r.result as T;
  }

  /** Closes the connection. */
  close(): void {
    this.socket.end();
    this.socket.destroy();
  }
}

/** The transaction fields geth's external signer sends (quantities as bigint, bytes as 0x hex). */
export interface GethTx {
  type: 0 | 1 | 2 | 3;
  from: string;
  /** Checksummed recipient; null for contract creation. */
  to: string | null;
  gas: bigint;
  nonce: bigint;
  value: bigint;
  input?: string;
  gasPrice?: bigint;
  maxFeePerGas?: bigint;
  maxPriorityFeePerGas?: bigint;
  accessList?: { address: string; storageKeys: string[] }[];
  chainId?: bigint;
  maxFeePerBlobGas?: bigint;
  blobVersionedHashes?: string[];
}

const q = (n: bigint): string => `0x${n.toString(16)}`;

/**
 * geth's SendTxArgs for `tx` (external-api.md §10.3): key order from, to, gas, gasPrice, maxFeePerGas,
 * maxPriorityFeePerGas, value, nonce, input, accessList, chainId, maxFeePerBlobGas, blobVersionedHashes; `to`
 * always present (null = create), unused fee fields null, input always present, accessList for typed txs only.
 */
export function gethSendTxArgs(tx: GethTx): JsonObject {
  const dynamic = tx.type >= 2;
  const args: JsonObject = {
    from: tx.from,
    to: tx.to,
    gas: q(tx.gas),
    gasPrice: dynamic ? null : q(tx.gasPrice ?? 0n),
    maxFeePerGas: dynamic ? q(tx.maxFeePerGas ?? 0n) : null,
    maxPriorityFeePerGas: dynamic ? q(tx.maxPriorityFeePerGas ?? 0n) : null,
    value: q(tx.value),
    nonce: q(tx.nonce),
    input: tx.input ?? '0x',
  };
  if (tx.type !== 0) args.accessList = (tx.accessList ?? []).map((t) => ({ address: t.address, storageKeys: [...t.storageKeys] }));
  if (tx.chainId !== undefined && tx.chainId !== 0n) args.chainId = q(tx.chainId);
  if (tx.type === 3) {
    args.maxFeePerBlobGas = q(tx.maxFeePerBlobGas ?? 0n);
    args.blobVersionedHashes = [...(tx.blobVersionedHashes ?? [])];
  }
  return args;
}
