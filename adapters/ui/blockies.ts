// Ethereum blockies (the identicon wallets show next to addresses), drawn in a terminal with 24-bit ANSI colours
// and upper-half-block characters: one character cell holds two vertically stacked pixels.
// Algorithm: the de-facto standard `ethereum-blockies` one (xorshift128 seeded from the lowercase address string,
// three HSL colours, 8×8 pixels mirrored left-right).

/** An RGB colour, channels 0–255. */
export interface Rgb {
  r: number;
  g: number;
  b: number;
}

/** A computed blockie: the three colours as CSS `hsl(…)` strings and RGB, and the pixel grid. */
export interface Blockie {
  /** CSS strings exactly as the reference `createColor` builds them, e.g. `hsl(204,74.5%,40.2%)`. */
  hsl: { color: string; bgcolor: string; spotcolor: string };
  rgb: { color: Rgb; bgcolor: Rgb; spotcolor: Rgb };
  /** size×size row-major cells: 0 = background, 1 = colour, 2 = spot colour. */
  pixels: number[];
  size: number;
}

/** The reference generator's state: four 32-bit words, seeded from the seed string's UTF-16 code units. */
class XorShift {
  private readonly s: number[] = [0, 0, 0, 0];

  constructor(seed: string) {
    // Same arithmetic as the reference: JS numbers, int32 shifts; only the low 32 bits ever matter.
    for (let i = 0; i < seed.length; i++) this.s[i % 4] = (this.s[i % 4] << 5) - this.s[i % 4] + seed.charCodeAt(i);
  }

  /** A float in [0, 1). */
  next(): number {
    const t = this.s[0] ^ (this.s[0] << 11);
    this.s[0] = this.s[1];
    this.s[1] = this.s[2];
    this.s[2] = this.s[3];
    this.s[3] = this.s[3] ^ (this.s[3] >> 19) ^ t ^ (t >> 8);
    return (this.s[3] >>> 0) / ((1 << 31) >>> 0);
  }
}

interface Hsl {
  h: number;
  s: number;
  l: number;
}

function createColor(rand: XorShift): Hsl {
  const h = Math.floor(rand.next() * 360);
  const s = rand.next() * 60 + 40;
  const l = (rand.next() + rand.next() + rand.next() + rand.next()) * 25;
  return { h, s, l };
}

/** CSS hsl() → sRGB, channels rounded to integers (what a canvas does with the reference's fillStyle). */
export function hslToRgb(h: number, sPercent: number, lPercent: number): Rgb {
  const s = Math.min(100, Math.max(0, sPercent)) / 100;
  const l = Math.min(100, Math.max(0, lPercent)) / 100;
  const f = (n: number): number => {
    const k = (n + h / 30) % 12;
    const a = s * Math.min(l, 1 - l);
    return l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1));
  };
  return { r: Math.round(f(0) * 255), g: Math.round(f(8) * 255), b: Math.round(f(4) * 255) };
}

const css = (c: Hsl): string => `hsl(${c.h},${c.s}%,${c.l}%)`;

/** The blockie of a seed (use the lowercase `0x` address, as wallets do). */
export function blockie(seed: string, size = 8): Blockie {
  const rand = new XorShift(seed);
  // Order matters: colour, background, spot, then the pixels — as the reference's buildOpts/createImageData.
  const color = createColor(rand);
  const bgcolor = createColor(rand);
  const spotcolor = createColor(rand);
  const dataWidth = Math.ceil(size / 2);
  const mirrorWidth = size - dataWidth;
  const pixels: number[] = [];
  for (let y = 0; y < size; y++) {
    const row: number[] = [];
    for (let x = 0; x < dataWidth; x++) row.push(Math.floor(rand.next() * 2.3));
    const mirrored = row.slice(0, mirrorWidth).reverse();
    pixels.push(...row, ...mirrored);
  }
  return {
    hsl: { color: css(color), bgcolor: css(bgcolor), spotcolor: css(spotcolor) },
    rgb: {
      color: hslToRgb(color.h, color.s, color.l),
      bgcolor: hslToRgb(bgcolor.h, bgcolor.s, bgcolor.l),
      spotcolor: hslToRgb(spotcolor.h, spotcolor.s, spotcolor.l),
    },
    pixels,
    size,
  };
}

const fg = (c: Rgb): string => `\x1b[38;2;${c.r};${c.g};${c.b}m`;
const bg = (c: Rgb): string => `\x1b[48;2;${c.r};${c.g};${c.b}m`;
const RESET = '\x1b[0m';
const UPPER_HALF = '\u2580';

/**
 * Terminal lines of an address's blockie: 8×8 pixels as 4 lines (scale 1) or 8 lines (scale 2) of `▀` cells,
 * top pixel in the foreground colour, bottom pixel in the background colour; each line ends with a reset.
 */
export function renderBlockie(address: string, scale: 1 | 2 = 1): string[] {
  const b = blockie(address.toLowerCase());
  const palette = [b.rgb.bgcolor, b.rgb.color, b.rgb.spotcolor];
  const px = (x: number, y: number): Rgb => palette[b.pixels[Math.floor(y / scale) * b.size + Math.floor(x / scale)]];
  const width = b.size * scale;
  const height = b.size * scale;
  const lines: string[] = [];
  for (let y = 0; y < height; y += 2) {
    let line = '';
    for (let x = 0; x < width; x++) line += fg(px(x, y)) + bg(px(x, y + 1)) + UPPER_HALF;
    lines.push(line + RESET);
  }
  return lines;
}
