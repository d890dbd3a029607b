// Preloaded (`node --import`) into the servers under test. It adds nothing to their request path: it answers the
// bench over the IPC channel with memory (after a forced GC), event-loop delay and CPU profiles.
/* global process, setTimeout */
import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';
import { writeHeapSnapshot } from 'node:v8';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { Socket } from 'node:net';

if (process.send && process.channel) {
  let session;
  let delay;
  let gc;
  const io = { reads: 0, writes: 0, restore: undefined };
  const handlers = {
    async mem() {
      // Two passes: the first may only schedule finalisers.
      if (typeof globalThis.gc === 'function') {
        globalThis.gc();
        await new Promise((r) => setTimeout(r, 50));
        globalThis.gc();
      }
      return { ...process.memoryUsage(), gc: typeof globalThis.gc === 'function' };
    },
    eldStart() {
      delay = monitorEventLoopDelay({ resolution: 1 });
      delay.enable();
      return true;
    },
    eldStop() {
      if (!delay) return null;
      delay.disable();
      const ms = (ns) => ns / 1e6;
      const result = { p50: ms(delay.percentile(50)), p99: ms(delay.percentile(99)), max: ms(delay.max) };
      delay = undefined;
      return result;
    },
    /** Records garbage collections (PerformanceObserver 'gc' entries) until `gcStop`. */
    gcStart() {
      gc = { observer: new PerformanceObserver((list) => gc.entries.push(...list.getEntries())), entries: [] };
      gc.observer.observe({ entryTypes: ['gc'] });
      return true;
    },
    /** How many collections of each kind ran and how long they paused the thread, in total and at most (ms). */
    gcStop() {
      if (!gc) return null;
      gc.observer.disconnect();
      const kinds = { 1: 'minor', 2: 'major', 4: 'incremental', 8: 'weakcb' };
      const summary = {};
      for (const entry of gc.entries) {
        const kind = kinds[entry.detail?.kind] ?? String(entry.detail?.kind);
        const s = (summary[kind] ??= { count: 0, totalMs: 0, maxMs: 0 });
        s.count += 1;
        s.totalMs += entry.duration;
        s.maxMs = Math.max(s.maxMs, entry.duration);
      }
      gc = undefined;
      return summary;
    },
    /**
     * Counts TCP reads (a socket's 'data' events) and writes (calls of its `_writeGeneric`, which `write` and
     * `writev` both end in: one per write to the kernel) until `ioStop`. Only for a round of its own: the wrappers
     * cost a little per read.
     */
    ioStart() {
      io.reads = 0;
      io.writes = 0;
      if (io.restore) return true;
      const emit = Socket.prototype.emit;
      const writeGeneric = Socket.prototype._writeGeneric;
      Socket.prototype.emit = function (event, ...args) {
        if (event === 'data') io.reads += 1;
        return emit.call(this, event, ...args);
      };
      Socket.prototype._writeGeneric = function (...args) {
        io.writes += 1;
        return writeGeneric.apply(this, args);
      };
      io.restore = () => {
        Socket.prototype.emit = emit;
        Socket.prototype._writeGeneric = writeGeneric;
      };
      return true;
    },
    ioStop() {
      io.restore?.();
      io.restore = undefined;
      return { reads: io.reads, writes: io.writes };
    },
    heapSnapshot({ path }) {
      if (typeof globalThis.gc === 'function') globalThis.gc();
      return writeHeapSnapshot(path);
    },
    async profileStart({ intervalUs = 100 }) {
      session = new Session();
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: intervalUs });
      await session.post('Profiler.start');
      return true;
    },
    /**
     * `promotedOnly`: count only objects no young-generation GC collected, i.e. what survived into the old
     * generation (each one a cost for the scavenger and later for a full GC), whether or not it is garbage by now.
     */
    async allocationStart({ promotedOnly = false } = {}) {
      session = new Session();
      session.connect();
      await session.post('HeapProfiler.enable');
      await session.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: !promotedOnly });
      return true;
    },
    /** Bytes allocated per function (self), from the sampling heap profiler, largest first. */
    async allocationStop({ top = 25, collectYoung = false }) {
      if (!session) return null;
      // Lets the sampler forget what died young but was not collected yet (it is still on the heap).
      if (collectYoung && typeof globalThis.gc === 'function') globalThis.gc({ type: 'minor' });
      const { profile } = await session.post('HeapProfiler.stopSampling');
      session.disconnect();
      session = undefined;
      const bySite = new Map();
      const walk = (node) => {
        const { functionName, url, lineNumber } = node.callFrame;
        const self = node.selfSize ?? 0;
        if (self > 0) {
          const key = `${functionName || '(anonymous)'} ${url.split('/node_modules/').pop().split('/').slice(-2).join('/')}:${lineNumber + 1}`;
          bySite.set(key, (bySite.get(key) ?? 0) + self);
        }
        for (const child of node.children ?? []) walk(child);
      };
      walk(profile.head);
      const total = [...bySite.values()].reduce((a, b) => a + b, 0);
      return { total, top: [...bySite.entries()].sort((a, b) => b[1] - a[1]).slice(0, top).map(([site, bytes]) => ({ site, bytes })) };
    },
    async profileStop({ path }) {
      if (!session) return null;
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      session = undefined;
      writeFileSync(path, JSON.stringify(profile));
      return path;
    },
  };
  process.on('message', (message) => {
    const handler = message && typeof message === 'object' ? handlers[message.cmd] : undefined;
    if (!handler) return;
    Promise.resolve()
      .then(() => handler(message.args ?? {}))
      .then(
        (result) => process.send?.({ rpc: message.rpc, ok: true, result }),
        (error) => process.send?.({ rpc: message.rpc, ok: false, error: String(error) }),
      );
  });
  // The bench went away (crashed, killed): a server it started must not outlive it.
  process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  // The channel must not keep a server alive that was told to stop.
  process.channel.unref();
}
