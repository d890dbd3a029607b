import type { Page } from '@playwright/test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Fake cameras a test can tell apart. Each person's camera is a generated Y4M clip (I420, 640×480, 20 frames at
 * 20 fps, looped by Chromium): a solid colour of their own, their name in white block letters below the middle and a
 * white square moving along the bottom, so the picture visibly plays. Chromium takes the clip per browser process
 * (`--use-file-for-fake-video-capture`), so each camera needs its own browser (the `twoCameras` fixture).
 */

export type Rgb = readonly [number, number, number];

export const CAMERAS = {
  alice: { label: 'ALICE', colour: [40, 100, 220] },
  bob: { label: 'BOB', colour: [240, 140, 30] },
} as const satisfies Record<string, { label: string; colour: Rgb }>;

export type CameraName = keyof typeof CAMERAS;

const WIDTH = 640;
const HEIGHT = 480;
const FRAMES = 20;
const WHITE: Rgb = [255, 255, 255];

/** 5×7 block letters, enough for the camera labels. */
const FONT: Record<string, readonly string[]> = {
  A: ['01110', '10001', '10001', '11111', '10001', '10001', '10001'],
  B: ['11110', '10001', '10001', '11110', '10001', '10001', '11110'],
  C: ['01111', '10000', '10000', '10000', '10000', '10000', '01111'],
  E: ['11111', '10000', '10000', '11110', '10000', '10000', '11111'],
  I: ['11111', '00100', '00100', '00100', '00100', '00100', '11111'],
  L: ['10000', '10000', '10000', '10000', '10000', '10000', '11111'],
  O: ['01110', '10001', '10001', '10001', '10001', '10001', '01110'],
};

/** Full-range BT.601, what `C420jpeg` declares. */
function toYuv([r, g, b]: Rgb): Rgb {
  const clamp = (v: number) => Math.max(0, Math.min(255, Math.round(v)));
  return [
    clamp(0.299 * r + 0.587 * g + 0.114 * b),
    clamp(128 - 0.168736 * r - 0.331264 * g + 0.5 * b),
    clamp(128 + 0.5 * r - 0.418688 * g - 0.081312 * b),
  ];
}

/** Which pixels are white in frame `frame`: the label, centred, and the moving square. */
function whiteMask(label: string, frame: number): Uint8Array {
  const mask = new Uint8Array(WIDTH * HEIGHT);
  const scale = 12;
  const left = Math.floor((WIDTH - (label.length * 6 - 1) * scale) / 2);
  const top = Math.floor(HEIGHT * 0.6); // below the middle: clear of the call screens' centred text
  [...label].forEach((char, i) => {
    const glyph = FONT[char];
    if (!glyph) throw new Error(`no block letter for ${char}`);
    glyph.forEach((row, gy) =>
      [...row].forEach((bit, gx) => {
        if (bit !== '1') return;
        for (let y = 0; y < scale; y++) {
          const offset = (top + gy * scale + y) * WIDTH + left + (i * 6 + gx) * scale;
          mask.fill(1, offset, offset + scale);
        }
      }),
    );
  });
  const size = 32;
  const x = Math.floor(((WIDTH - size) * frame) / (FRAMES - 1));
  for (let y = HEIGHT - size - 16; y < HEIGHT - 16; y++) mask.fill(1, y * WIDTH + x, y * WIDTH + x + size);
  return mask;
}

function frameBytes(camera: CameraName, frame: number): Buffer {
  const { label, colour } = CAMERAS[camera];
  const mask = whiteMask(label, frame);
  const bg = toYuv(colour);
  const fg = toYuv(WHITE);
  const luma = Buffer.alloc(WIDTH * HEIGHT);
  for (let i = 0; i < luma.length; i++) luma[i] = mask[i] ? fg[0] : bg[0];
  // Chroma at half resolution: white where the 2×2 block's top-left pixel is.
  const chroma = (plane: 1 | 2) => {
    const out = Buffer.alloc((WIDTH / 2) * (HEIGHT / 2));
    for (let y = 0; y < HEIGHT / 2; y++)
      for (let x = 0; x < WIDTH / 2; x++) out[y * (WIDTH / 2) + x] = mask[2 * y * WIDTH + 2 * x] ? fg[plane] : bg[plane];
    return out;
  };
  return Buffer.concat([Buffer.from('FRAME\n'), luma, chroma(1), chroma(2)]);
}

/** Writes `camera`'s clip into `dir` and returns its path. */
export function writeCameraClip(dir: string, camera: CameraName): string {
  const path = join(dir, `${camera}.y4m`);
  const header = Buffer.from(`YUV4MPEG2 W${WIDTH} H${HEIGHT} F20:1 Ip A1:1 C420jpeg\n`);
  const frames = Array.from({ length: FRAMES }, (_, i) => frameBytes(camera, i));
  writeFileSync(path, Buffer.concat([header, ...frames]));
  return path;
}

/**
 * The average colour of the top fifth of the `<video>` with `data-testid=testId` (only background there: the label
 * and the square are lower), drawn to a canvas in the page; null while it has no picture.
 */
export async function videoColour(page: Page, testId: string): Promise<Rgb | null> {
  return page.evaluate((id) => {
    const video = document.querySelector<HTMLVideoElement>(`video[data-testid="${id}"]`);
    if (!video || video.videoWidth === 0 || video.readyState < 2) return null;
    const canvas = document.createElement('canvas');
    canvas.width = 64;
    canvas.height = 48;
    const context = canvas.getContext('2d', { willReadFrequently: true });
    if (!context) return null;
    context.drawImage(video, 0, 0, canvas.width, canvas.height);
    const { data } = context.getImageData(0, 0, canvas.width, Math.floor(canvas.height / 5));
    let [r, g, b] = [0, 0, 0];
    for (let i = 0; i < data.length; i += 4) {
      r += data[i]!;
      g += data[i + 1]!;
      b += data[i + 2]!;
    }
    const pixels = data.length / 4;
    return [r / pixels, g / pixels, b / pixels] as const;
  }, testId);
}

const distance = (a: Rgb, b: Rgb) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);

/** Whose camera a colour is: the nearest camera's colour, if it is near enough; else `unknown`. */
export function cameraOf(colour: Rgb | null): CameraName | 'unknown' {
  if (!colour) return 'unknown';
  const names = Object.keys(CAMERAS) as CameraName[];
  const nearest = names.reduce((best, name) => (distance(colour, CAMERAS[name].colour) < distance(colour, CAMERAS[best].colour) ? name : best));
  return distance(colour, CAMERAS[nearest].colour) < 70 ? nearest : 'unknown';
}

/** Whose camera the `<video>` with `data-testid=testId` shows now, with the colour it saw (for failure messages). */
export async function cameraShown(page: Page, testId: string): Promise<string> {
  const colour = await videoColour(page, testId);
  const who = cameraOf(colour);
  return who === 'unknown' ? `unknown (${colour ? colour.map(Math.round).join(', ') : 'no picture'})` : who;
}
