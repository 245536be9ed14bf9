// The only runtime globals core/ may use beyond ECMAScript itself: pure encoders that node, bun and deno all provide.
// core/tsconfig.json compiles core/ with no Node types and this file, so an I/O global used in core/ fails to compile;
// the root tsconfig excludes it (Node's types declare the same globals).
declare class TextEncoder {
  encode(input?: string): Uint8Array;
}
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean });
  decode(input?: Uint8Array): string;
}
