// Test peers for the stdio UI: an in-memory pipe pair, and a scripted UI that answers clef's `--stdio-ui-test`
// conversation (ui-api.md §6) the way an honest user would. Used in-process and by the child-process UI.
import { isJsonObject, type Json, type JsonObject } from '../../core/gojson.ts';

/** An async-iterable text pipe: what one side pushes, the other reads (clef's stdin in tests). */
export class Pipe implements AsyncIterable<string> {
  private queue: (string | null)[] = [];
  private waiter: ((v: string | null) => void) | null = null;

  push(text: string): void {
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w(text);
    } else this.queue.push(text);
  }

  end(): void {
    this.push(null as unknown as string);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<string> {
    for (;;) {
      const next = this.queue.length > 0 ? this.queue.shift()! : await new Promise<string | null>((r) => (this.waiter = r));
      if (next === null) return;
      yield next;
    }
  }
}

/** Collects clef's output lines and hands them out in order. */
export class LineCollector {
  readonly lines: string[] = [];
  private buffer = '';
  private read = 0;
  private waiters: (() => void)[] = [];

  /** The sink given to StdioUI. */
  readonly write = (text: string): void => {
    this.buffer += text;
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      this.lines.push(this.buffer.slice(0, nl));
      this.buffer = this.buffer.slice(nl + 1);
    }
    const w = this.waiters;
    this.waiters = [];
    w.forEach((f) => { f(); });
  };

  /** The next line not yet taken (waits for it). */
  async next(): Promise<string> {
    while (this.read >= this.lines.length) await new Promise<void>((r) => this.waiters.push(r));
    return this.lines[this.read++];
  }

  /** The next line, parsed. */
  async nextJson(): Promise<JsonObject> {
    return JSON.parse(await this.next()) as JsonObject;
  }

  /** Bytes written but not yet terminated by a newline. */
  get partial(): string {
    return this.buffer;
  }
}

/** How a scripted UI misbehaves (all false = the correct UI). */
export interface ScriptFaults {
  /** Approve every request and answer "no" to every question. */
  contrary?: boolean;
}

/** A UI that follows the self-test's instructions and answers questions truthfully. */
export class ScriptedUi {
  /** Every message received, in order: `{method, params}`; calls also carry their id text. */
  readonly received: { method: string; param: Json; id?: Json }[] = [];
  private mode: 'approve' | 'deny' | 'origin' = 'approve';
  private sawMessage = false;
  private lastTxWarnings = false;
  private sawOrigin = '';

  constructor(private readonly faults: ScriptFaults = {}) {}

  /** Handles one message from clef; returns the result for a call, undefined for a notification. */
  handle(msg: JsonObject): Json | undefined {
    const method = msg.method as string;
    const param = (msg.params as Json[])[0];
    this.received.push({ method, param, id: msg.id });
    const p = isJsonObject(param) ? param : {};
    const approve = this.faults.contrary ? true : this.mode === 'approve';
    switch (method) {
      case 'ui_showInfo':
      case 'ui_showError': {
        const text = p.text as string;
        this.sawMessage = /enter 'yes'/.test(text);
        if (text.startsWith('Please approve')) this.mode = 'approve';
        else if (text.startsWith('Please deny') || text.startsWith('Please reject')) this.mode = 'deny';
        else if (text.startsWith('Please check if you see the Origin')) this.mode = 'origin';
        return undefined;
      }
      case 'ui_onInputRequired': {
        const prompt = p.prompt as string;
        if (this.faults.contrary) return { text: 'no' };
        if (prompt.startsWith('Did you see the message?')) return { text: this.sawMessage ? 'yes' : 'no' };
        if (prompt.startsWith('Did you see any warnings')) return { text: this.lastTxWarnings ? 'yes' : 'no' };
        if (prompt.startsWith('Did you see origin (origin.com)?')) return { text: this.sawOrigin === 'origin.com' ? 'yes' : 'no' };
        return { text: '' };
      }
      case 'ui_approveSignData':
        return { approved: approve };
      case 'ui_approveTx': {
        const info = p.call_info;
        this.lastTxWarnings = Array.isArray(info) && info.some((i) => isJsonObject(i) && i.type !== 'Info');
        return approve ? { approved: true, transaction: p.transaction as Json } : { approved: false };
      }
      case 'ui_approveListing':
        this.sawOrigin = ((p.meta as JsonObject).Origin as string) ?? '';
        return approve && this.mode !== 'origin' ? { accounts: p.accounts as Json } : { accounts: null };
      case 'ui_approveNewAccount':
        return { approved: approve };
      default:
        return undefined;
    }
  }
}
