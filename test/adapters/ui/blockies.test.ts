// Blockies: the known answer below was read once from the PNG that the reference implementation
// `ethereum-blockies-base64` 1.0.2 makes for its README's example address (8×8 cells of 16 px, palette decoded).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blockie, hslToRgb, renderBlockie } from '../../../adapters/ui/blockies.ts';

const README_ADDRESS = '0x7cB57B5A97eAbe94205C07890BE4c1aD31E486A8';

test('known answer: ethereum-blockies-base64 palette and cell grid for its README address', () => {
  const b = blockie(README_ADDRESS.toLowerCase());
  assert.deepEqual(b.rgb, {
    color: { r: 21, g: 212, b: 129 },
    bgcolor: { r: 254, g: 133, b: 20 },
    spotcolor: { r: 144, g: 31, b: 93 },
  });
  // Row-major, 0 = background, 1 = colour, 2 = spot colour.
  assert.equal(b.pixels.join(''), '0200002000000000001111001112211101111110001111001110011102022020');
  assert.equal(b.hsl.color.slice(0, 8), 'hsl(154,');
});

test('the grid is mirrored left-right and holds only the three colour indices', () => {
  for (const seed of [README_ADDRESS.toLowerCase(), '0x0000000000000000000000000000000000000000', 'hello world']) {
    const b = blockie(seed);
    assert.equal(b.pixels.length, 64);
    for (let y = 0; y < 8; y++) for (let x = 0; x < 4; x++) assert.equal(b.pixels[y * 8 + x], b.pixels[y * 8 + 7 - x]);
    assert.ok(b.pixels.every((p) => p === 0 || p === 1 || p === 2));
  }
});

test('deterministic, seeded from the lowercase address, and distinct addresses differ', () => {
  assert.deepEqual(renderBlockie(README_ADDRESS), renderBlockie(README_ADDRESS.toLowerCase()));
  assert.deepEqual(blockie('0xabc'), blockie('0xabc'));
  const a = blockie('0x8a8eafb1cf62bfbeb1741769dae1a9dd47996192');
  const b = blockie('0x8a8eafb1cf62bfbeb1741769dae1a9dd47996193');
  assert.notDeepEqual(a, b);
});

test('CSS hsl() to RGB conversion', () => {
  assert.deepEqual(hslToRgb(0, 100, 50), { r: 255, g: 0, b: 0 });
  assert.deepEqual(hslToRgb(120, 100, 25), { r: 0, g: 128, b: 0 });
  assert.deepEqual(hslToRgb(240, 100, 50), { r: 0, g: 0, b: 255 });
  assert.deepEqual(hslToRgb(0, 0, 100), { r: 255, g: 255, b: 255 });
});

test('terminal rendering: 4 lines (8 at scale 2) of upper half blocks, top pixel fg, bottom pixel bg, reset at the end', () => {
  const b = blockie(README_ADDRESS.toLowerCase());
  const palette = [b.rgb.bgcolor, b.rgb.color, b.rgb.spotcolor];
  const lines = renderBlockie(README_ADDRESS);
  assert.equal(lines.length, 4);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching the ESC of ANSI colour sequences is the point
  const cell = /\x1b\[38;2;(\d+);(\d+);(\d+)m\x1b\[48;2;(\d+);(\d+);(\d+)m\u2580/g;
  lines.forEach((line, row) => {
    assert.ok(line.endsWith('\x1b[0m'));
    const cells = [...line.matchAll(cell)];
    assert.equal(cells.length, 8);
    cells.forEach((m, x) => {
      const top = palette[b.pixels[row * 2 * 8 + x]];
      const bottom = palette[b.pixels[(row * 2 + 1) * 8 + x]];
      assert.deepEqual(m.slice(1).map(Number), [top.r, top.g, top.b, bottom.r, bottom.g, bottom.b]);
    });
  });
  const big = renderBlockie(README_ADDRESS, 2);
  assert.equal(big.length, 8);
  assert.equal([...big[0].matchAll(cell)].length, 16);
});
