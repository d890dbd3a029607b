/**
 * When each step of setting up the current call first happened on this side, in epoch milliseconds
 * (`performance.timeOrigin + performance.now()`, comparable across the pages of one machine). Read by the bench's
 * cold call-set-up figure through `parleyDebug.timeline()`; it changes nothing about a call.
 *
 * `accept`: the callee clicked Accept / the caller heard `call:accept`; `local-media`: our microphone and camera
 * arrived; `offer` and `answer`: sent or received; `ice-connected`, `connected` (DTLS too); `remote-media`: the
 * first packets of the other side's video arrived (its track unmuted).
 */
export type SetupPhase = 'accept' | 'local-media' | 'peer-connection' | 'offer' | 'answer' | 'ice-connected' | 'connected' | 'remote-media';

export class SetupTimeline {
  #marks: Partial<Record<SetupPhase, number>> = {};
  readonly #now: () => number;

  constructor(now: () => number = () => performance.timeOrigin + performance.now()) {
    this.#now = now;
  }

  /** A new call: forget the last one's marks. */
  reset(): void {
    this.#marks = {};
  }

  /** Record `phase` the first time it happens in this call. */
  mark(phase: SetupPhase): void {
    this.#marks[phase] ??= this.#now();
  }

  get marks(): Readonly<Partial<Record<SetupPhase, number>>> {
    return { ...this.#marks };
  }
}
