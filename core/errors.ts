// The one error module. Every error that reaches a caller carries a JSON-RPC code and a message clef users
// recognise; `data` is only set when relayed from a stdio UI (clef's own errors never carry it).

/** JSON-RPC error codes used by clef (go-ethereum's rpc package). */
export const ErrorCode = {
  parse: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internal: -32603,
  /** every error returned by a clef method: denial, validation, signing … */
  method: -32000,
  timeout: -32002,
  responseTooLarge: -32003,
} as const;

/** Base class: an error that is a value with a JSON-RPC code. */
export class SignerError extends Error {
  readonly code: number;
  readonly data?: unknown;
  constructor(message: string, code: number = ErrorCode.method, data?: unknown) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    if (data !== undefined) this.data = data;
  }
}

/** The user (or a rule) said no. Lowercase text, as clef sends it. */
export class RequestDeniedError extends SignerError {
  constructor() {
    super('request denied');
  }
}

/** A request failed validation before anyone was asked. */
export class ValidationError extends SignerError {}

/** A parameter could not be decoded: -32602 `invalid argument N: …`. */
export class InvalidParamsError extends SignerError {
  constructor(message: string) {
    super(message, ErrorCode.invalidParams);
  }
}

/** The UI failed while asked for a password: clef hides the real reason on purpose. */
export class InternalError extends SignerError {
  constructor() {
    super('internal error');
  }
}

/** No wallet holds the requested address. */
export class UnknownAccountError extends SignerError {
  constructor() {
    super('unknown account');
  }
}

/** An error returned by an external UI, relayed with its own code, message and data. */
export class UiError extends SignerError {}

/** A handler failed unexpectedly; clef's RPC layer reports this as -32603. */
export class HandlerCrashedError extends SignerError {
  constructor() {
    super('method handler crashed', ErrorCode.internal);
  }
}

/** A failure of a local command (CLI) that should end with `Fatal: <message>` and exit status 1. */
export class FatalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FatalError';
  }
}

/** Anything thrown, as a SignerError: a SignerError stays itself (code, class, data); anything else keeps only its message. */
export function toSignerError(err: unknown): SignerError {
  return err instanceof SignerError ? err : new SignerError(errorMessage(err));
}

/** Extracts a printable message from anything thrown. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
