import type { BrowserContext, Page } from '@playwright/test';

declare global {
  interface Window {
    /** How many RTCPeerConnections this page constructed (installed by `countPeerConnections`). */
    __peerConnections?: number;
  }
}

/** Count every RTCPeerConnection the context's pages construct. Call from `OpenOptions.setup`. */
export async function countPeerConnections(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const Native = window.RTCPeerConnection;
    window.__peerConnections = 0;
    window.RTCPeerConnection = class extends Native {
      constructor(...args: ConstructorParameters<typeof RTCPeerConnection>) {
        super(...args);
        window.__peerConnections = (window.__peerConnections ?? 0) + 1;
      }
    };
  });
}

export async function peerConnectionCount(page: Page): Promise<number> {
  return page.evaluate(() => window.__peerConnections ?? -1);
}
