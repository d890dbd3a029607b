import type { TestClient } from '@parley/testkit';
import { expect } from 'vitest';
import { request, type TestUser } from './http.js';
import type { TestServer } from './server.js';

/** Caller places a call from `callerWs`; returns the call id once the callee's socket rang. */
export async function ring(server: TestServer, caller: TestUser, callerWs: TestClient, callee: TestUser, calleeWs?: TestClient): Promise<string> {
  const created = await request(server, 'POST', '/calls', {
    token: caller.token,
    body: { calleeId: callee.id, connectionId: callerWs.connectionId },
  });
  expect(created.status).toBe(201);
  const callId: string = created.body.callId;
  if (calleeWs) await calleeWs.next('call:incoming', (m) => m.payload.callId === callId);
  return callId;
}

/** A call rung and accepted: both sides bound, caller told. */
export async function connectCall(server: TestServer, caller: TestUser, callerWs: TestClient, callee: TestUser, calleeWs: TestClient): Promise<string> {
  const callId = await ring(server, caller, callerWs, callee, calleeWs);
  calleeWs.send({ type: 'call:accept', payload: { callId } });
  await callerWs.next('call:accept', (m) => m.payload.callId === callId);
  await calleeWs.next('call:accept', (m) => m.payload.callId === callId);
  return callId;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
