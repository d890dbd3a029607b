import type { BrowserContext, Page } from '@playwright/test';

export interface AudioTapOptions {
  /**
   * Told (from the page, without the test touching it) each time a page connects a sound to its speakers, with its
   * AudioContext's state then: `suspended` means the browser holds it back.
   */
  onOutput?: (state: AudioContextState) => void;
}

/**
 * Tap the page's audio graph: whatever is connected to an AudioContext's speakers is also fed to an analyser, so a
 * test can tell whether the page really produces sound (a running context with a tone in it), not only whether it
 * meant to. Call before the page opens (`OpenOptions.setup`).
 */
export async function tapAudioOutput(context: BrowserContext, options: AudioTapOptions = {}): Promise<void> {
  const { onOutput } = options;
  if (onOutput) {
    await context.exposeBinding('__audioOutputConnected', (_source, state: AudioContextState) => onOutput(state));
  }
  await context.addInitScript(() => {
    const analysers = new Map<BaseAudioContext, AnalyserNode>();
    const tapped = window as unknown as { __toneLevel?: () => number; __audioOutputConnected?: (state: AudioContextState) => void };
    const connect = AudioNode.prototype.connect as (this: AudioNode, ...args: unknown[]) => unknown;
    AudioNode.prototype.connect = function (this: AudioNode, ...args: unknown[]) {
      const target = args[0];
      if (target instanceof AudioDestinationNode) {
        let analyser = analysers.get(this.context);
        if (!analyser) {
          analyser = this.context.createAnalyser();
          analyser.fftSize = 2048;
          analysers.set(this.context, analyser);
        }
        connect.call(this, analyser);
        tapped.__audioOutputConnected?.(this.context.state);
      }
      return connect.apply(this, args);
    } as typeof AudioNode.prototype.connect;
    tapped.__toneLevel = () => {
      let peak = 0;
      for (const analyser of analysers.values()) {
        const samples = new Float32Array(analyser.fftSize);
        analyser.getFloatTimeDomainData(samples);
        for (const s of samples) peak = Math.max(peak, Math.abs(s));
      }
      return peak;
    };
  });
}

/**
 * The peak level (0–1) of the last ~40 ms the page sent to its speakers; 0 while silent or while the browser holds
 * the audio back (a suspended context renders nothing).
 *
 * Note: like every Playwright evaluation, this runs with a user gesture in the page; it gives the page the right to
 * start audio, but starts none itself.
 */
export function toneLevel(page: Page): Promise<number> {
  return page.evaluate(() => (window as unknown as { __toneLevel: () => number }).__toneLevel());
}
