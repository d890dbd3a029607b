/**
 * Renders the app icons into public/icons/ as PNGs (the manifest needs 192 and 512 px; "maskable" ones keep the mark
 * inside the 80 % safe zone). No dependencies: the shape is drawn per pixel with 4x4 supersampling and encoded with
 * node:zlib. Run `node scripts/icons.mjs` after changing the drawing; the PNGs are committed.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const out = join(dirname(fileURLToPath(import.meta.url)), '../public/icons');
const BLUE = [0x3f, 0x6f, 0xf0];
const WHITE = [0xff, 0xff, 0xff];

/** Inside a rounded rectangle (all in units of the icon's side). */
function inRoundRect(x, y, x0, y0, x1, y1, r) {
  if (x < x0 || x > x1 || y < y0 || y > y1) return false;
  const cx = Math.min(Math.max(x, x0 + r), x1 - r);
  const cy = Math.min(Math.max(y, y0 + r), y1 - r);
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
}

/** The speech bubble of favicon.svg, scaled by `k` around the centre. */
function inBubble(x, y, k) {
  const u = (x - 0.5) / k + 0.5;
  const v = (y - 0.5) / k + 0.5;
  if (inRoundRect(u, v, 0.28, 0.25, 0.72, 0.625, 0.094)) return true;
  // The tail: a triangle below the bubble's left side.
  return v >= 0.6 && v <= 0.75 && u >= 0.34 && u <= 0.47 && u - 0.34 <= (0.75 - v) * 0.87;
}

function pixel(x, y, maskable) {
  const background = maskable || inRoundRect(x, y, 0, 0, 1, 1, 0.25);
  if (!background) return null;
  return inBubble(x, y, maskable ? 0.8 : 1) ? WHITE : BLUE;
}

function crc32(buf) {
  let c;
  let crc = 0xffffffff;
  for (const byte of buf) {
    c = (crc ^ byte) & 0xff;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    crc = (crc >>> 8) ^ c;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

function png(size, maskable) {
  const S = 4;
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let py = 0; py < size; py++) {
    raw[py * (size * 4 + 1)] = 0;
    for (let px = 0; px < size; px++) {
      const sum = [0, 0, 0, 0];
      for (let sy = 0; sy < S; sy++)
        for (let sx = 0; sx < S; sx++) {
          const colour = pixel((px + (sx + 0.5) / S) / size, (py + (sy + 0.5) / S) / size, maskable);
          if (!colour) continue;
          sum[0] += colour[0];
          sum[1] += colour[1];
          sum[2] += colour[2];
          sum[3] += 255;
        }
      const covered = sum[3] / 255;
      const at = py * (size * 4 + 1) + 1 + px * 4;
      raw[at] = covered ? Math.round(sum[0] / covered) : 0;
      raw[at + 1] = covered ? Math.round(sum[1] / covered) : 0;
      raw[at + 2] = covered ? Math.round(sum[2] / covered) : 0;
      raw[at + 3] = Math.round(sum[3] / (S * S));
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // RGBA
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', header), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

mkdirSync(out, { recursive: true });
for (const [name, size, maskable] of [
  ['icon-192.png', 192, false],
  ['icon-512.png', 512, false],
  ['maskable-512.png', 512, true],
  ['apple-touch-icon.png', 180, true],
]) {
  writeFileSync(join(out, name), png(size, maskable));
  console.log(`public/icons/${name}`);
}
