/** The child side of `Proc.request`: runs a named handler per IPC message and answers with its result. */
export function serveRpc(handlers: Record<string, (args: any) => unknown>): void {
  if (!process.send) throw new Error('this script runs as a child of the bench (no IPC channel)');
  // `ping` answers once the child has loaded: the bench waits for it before measuring anything.
  const all: Record<string, (args: any) => unknown> = { ping: () => true, ...handlers };
  process.on('message', (message: any) => {
    const handler = all[message?.cmd];
    const reply = (body: Record<string, unknown>) => process.send?.({ rpc: message.rpc, ...body });
    if (!handler) return reply({ ok: false, error: `unknown command ${String(message?.cmd)}` });
    Promise.resolve()
      .then(() => handler(message.args))
      .then(
        (result) => reply({ ok: true, result }),
        (error: unknown) => reply({ ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
      );
  });
  // The bench went away: so do we.
  process.on('disconnect', () => process.exit(0));
}
