/**
 * A latency prober (its own process): `GET <url>` at a fixed rate over a few keep-alive connections, timing each
 * request from when it was due to its last byte, so a stalled server shows up as latency rather than as fewer
 * samples.
 */
import { Agent, request } from 'node:http';
import { Samples } from '../stats.js';
import { serveRpc } from './rpc.js';

const agent = new Agent({ keepAlive: true, maxSockets: 4 });
let timer: NodeJS.Timeout | undefined;
const samples = new Samples();
let failures = 0;

function probe(url: URL, headers: Record<string, string>): void {
  const due = performance.now();
  const req = request(url, { agent, headers }, (res) => {
    res.resume();
    res.on('end', () => {
      if (res.statusCode === 200) samples.push(performance.now() - due);
      else failures += 1;
    });
  });
  req.on('error', () => (failures += 1));
  req.end();
}

serveRpc({
  start({ url, headers, perSecond }: { url: string; headers: Record<string, string>; perSecond: number }) {
    samples.clear();
    failures = 0;
    const target = new URL(url);
    const started = performance.now();
    let sent = 0;
    timer = setInterval(() => {
      const due = Math.floor(((performance.now() - started) / 1000) * perSecond) - sent;
      for (let i = 0; i < due; i++) probe(target, headers);
      sent += due;
    }, 2);
    return true;
  },
  async stop() {
    clearInterval(timer);
    // Requests still in flight belong to the measured span.
    await new Promise((r) => setTimeout(r, 300));
    const [p50, p99, max] = samples.percentiles([50, 99, 100]);
    return { p50, p99, max, count: samples.count, failures };
  },
});
