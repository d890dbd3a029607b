/**
 * autocannon in its own process (the bench meters its CPU), driven over IPC. Scenarios: one GET with a header,
 * a JSON POST flood, or the Parley call cycle (`POST /calls` → `POST /calls/:id/end`), each cycle on a caller and
 * callee pair nobody else is using at that moment.
 */
import autocannon from 'autocannon';
import { serveRpc } from './rpc.js';

export type CannonScenario =
  | { kind: 'get'; url: string; headers?: Record<string, string> }
  | { kind: 'post'; url: string; body: unknown; headers?: Record<string, string> }
  | {
      kind: 'cycle';
      url: string;
      /** Parley: real calls between the pairs; baseline: the same two POSTs to an echo route. */
      target: 'parley' | 'baseline';
      pairs: { callerToken: string; calleeId: string }[];
    };

export interface CannonResult {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  total: number;
}

function cycleRequests(scenario: Extract<CannonScenario, { kind: 'cycle' }>): autocannon.Request[] {
  const free = [...scenario.pairs];
  const json = { 'content-type': 'application/json' };
  if (scenario.target === 'baseline') {
    return [
      { method: 'POST', path: '/hello', headers: json, body: JSON.stringify({ calleeId: '00000000-0000-4000-8000-000000000000' }) },
      { method: 'POST', path: '/hello', headers: json, body: JSON.stringify({ callId: '00000000-0000-4000-8000-000000000000' }) },
    ];
  }
  return [
    {
      method: 'POST',
      path: '/api/v1/calls',
      setupRequest: (request: any, context: any) => {
        const pair = free.pop();
        if (!pair) throw new Error('more connections than caller/callee pairs');
        context.pair = pair;
        return {
          ...request,
          headers: { ...json, authorization: `Bearer ${pair.callerToken}` },
          body: JSON.stringify({ calleeId: pair.calleeId }),
        };
      },
      onResponse: (status: number, body: string, context: any) => {
        // 409: this pair is still in a call (a cycle cut off by the end of a run); ending that one frees it.
        if (status === 201) context.callId = JSON.parse(body).callId;
        else if (status === 409) context.callId = JSON.parse(body).error?.callId;
      },
    },
    {
      method: 'POST',
      setupRequest: (request: any, context: any) => ({
        ...request,
        path: `/api/v1/calls/${context.callId ?? '00000000-0000-4000-8000-000000000000'}/end`,
        headers: { authorization: `Bearer ${context.pair.callerToken}` },
      }),
      onResponse: (_status: number, _body: string, context: any) => {
        free.unshift(context.pair);
      },
    },
  ] as autocannon.Request[];
}

/** Ends the calls a previous run left ringing (it stopped between a pair's create and end). */
async function endLeftovers(baseUrl: string, pairs: { callerToken: string }[]): Promise<void> {
  await Promise.all(
    pairs.map(async ({ callerToken }) => {
      const headers = { authorization: `Bearer ${callerToken}` };
      const history = (await (await fetch(`${baseUrl}/api/v1/calls?limit=1`, { headers })).json()) as { callId: string; status: string }[];
      const last = history[0];
      if (last && last.status !== 'ended') await fetch(`${baseUrl}/api/v1/calls/${last.callId}/end`, { method: 'POST', headers });
    }),
  );
}

async function run({ scenario, connections, durationSeconds }: { scenario: CannonScenario; connections: number; durationSeconds: number }): Promise<CannonResult> {
  const options: autocannon.Options = { url: scenario.url, connections, duration: durationSeconds, pipelining: 1 };
  if (scenario.kind === 'get') options.headers = scenario.headers ?? {};
  if (scenario.kind === 'post') {
    options.method = 'POST';
    options.headers = { 'content-type': 'application/json', ...scenario.headers };
    options.body = JSON.stringify(scenario.body);
  }
  if (scenario.kind === 'cycle') {
    if (scenario.target === 'parley') await endLeftovers(scenario.url, scenario.pairs);
    options.requests = cycleRequests(scenario);
  }
  const result = await autocannon(options);
  return {
    requestsPerSecond: result.requests.total / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    total: result.requests.total,
  };
}

serveRpc({ run });
