import { createStore } from 'zustand/vanilla';

/**
 * Call sounds synthesised with Web Audio, so the app ships no media files: a ringback for the caller (the classic
 * 440 + 480 Hz, 2 s on, 4 s off) and a brighter two-note ringtone for the callee.
 */

export type ToneKind = 'ringback' | 'ringtone';

interface Pattern {
  /** One cycle's notes: frequencies played together, start and length in seconds. */
  notes: { freqs: number[]; start: number; length: number }[];
  periodS: number;
  gain: number;
}

const PATTERNS: Record<ToneKind, Pattern> = {
  ringback: { notes: [{ freqs: [440, 480], start: 0, length: 2 }], periodS: 6, gain: 0.08 },
  ringtone: {
    notes: [
      { freqs: [880], start: 0, length: 0.18 },
      { freqs: [1175], start: 0.22, length: 0.18 },
      { freqs: [880], start: 0.44, length: 0.18 },
      { freqs: [1175], start: 0.66, length: 0.3 },
    ],
    periodS: 2.5,
    gain: 0.12,
  },
};

type AudioContextCtor = typeof AudioContext;

let context: AudioContext | null = null;

/**
 * Whether the browser holds the page's audio back: an AudioContext made without a user gesture in the page (a
 * reload with a saved session, then a call) stays `suspended` until one. The incoming-call dialog shows a "click to
 * enable sound" hint while this is true.
 */
export const soundStore = createStore<{ blocked: boolean }>(() => ({ blocked: false }));

function audioContext(): AudioContext | null {
  if (context) return context;
  const Ctor: AudioContextCtor | undefined =
    typeof window === 'undefined' ? undefined : (window.AudioContext ?? (window as unknown as { webkitAudioContext?: AudioContextCtor }).webkitAudioContext);
  if (!Ctor) return null;
  try {
    context = new Ctor();
  } catch {
    return null;
  }
  const ctx = context;
  const update = () => soundStore.setState({ blocked: ctx.state === 'suspended' });
  ctx.addEventListener('statechange', update);
  update();
  return context;
}

/** Start (or resume) the audio context; works only inside a user gesture, or after one on this page. */
export function unlockAudio(): void {
  const ctx = audioContext();
  if (ctx && ctx.state === 'suspended') void ctx.resume().catch(() => undefined);
}

const GESTURES = ['pointerdown', 'keydown', 'touchend'] as const;

/**
 * Unlock the audio on the next user gesture anywhere in the page (Chrome, Safari and Firefox let an AudioContext
 * start only then), so a later ringtone really sounds. Called once the person is logged in; returns the undo.
 */
export function unlockAudioOnGesture(target: Window = window): () => void {
  const onGesture = () => {
    unlockAudio();
    if (context?.state !== 'suspended') remove();
  };
  const remove = () => {
    for (const type of GESTURES) target.removeEventListener(type, onGesture, true);
  };
  for (const type of GESTURES) target.addEventListener(type, onGesture, true);
  return remove;
}

function scheduleCycle(ctx: AudioContext, output: GainNode, pattern: Pattern, at: number): void {
  for (const note of pattern.notes) {
    const envelope = ctx.createGain();
    const start = at + note.start;
    const end = start + note.length;
    // Short ramps avoid clicks at the edges of each note.
    envelope.gain.setValueAtTime(0, start);
    envelope.gain.linearRampToValueAtTime(1 / note.freqs.length, start + 0.02);
    envelope.gain.setValueAtTime(1 / note.freqs.length, end - 0.03);
    envelope.gain.linearRampToValueAtTime(0, end);
    envelope.connect(output);
    for (const freq of note.freqs) {
      const osc = ctx.createOscillator();
      osc.type = 'sine';
      osc.frequency.value = freq;
      osc.connect(envelope);
      osc.start(start);
      osc.stop(end + 0.01);
    }
  }
}

/** Start a looping tone; call the returned function to stop it. Silently does nothing where audio is unavailable. */
export function playTone(kind: ToneKind): () => void {
  const ctx = audioContext();
  if (!ctx) return () => undefined;
  // Without a user gesture (a call ringing in a fresh tab) the context may stay suspended: then only the title flashes.
  if (ctx.state === 'suspended') void ctx.resume().catch(() => undefined);
  const pattern = PATTERNS[kind];
  const output = ctx.createGain();
  output.gain.value = pattern.gain;
  output.connect(ctx.destination);
  let next = ctx.currentTime + 0.05;
  const fill = () => {
    // Keep two cycles scheduled ahead; the timer only tops the schedule up, so timer jitter is inaudible.
    while (next < ctx.currentTime + pattern.periodS * 2) {
      scheduleCycle(ctx, output, pattern, next);
      next += pattern.periodS;
    }
  };
  fill();
  const timer = setInterval(fill, 1000);
  document.documentElement.dataset['tone'] = kind;
  return () => {
    clearInterval(timer);
    output.gain.cancelScheduledValues(ctx.currentTime);
    output.gain.setValueAtTime(output.gain.value, ctx.currentTime);
    output.gain.linearRampToValueAtTime(0, ctx.currentTime + 0.05);
    setTimeout(() => output.disconnect(), 100);
    if (document.documentElement.dataset['tone'] === kind) delete document.documentElement.dataset['tone'];
  };
}
