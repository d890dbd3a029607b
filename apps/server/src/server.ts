import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { lanAddresses } from './http/tls.js';

/** Starts the production server: validated config, listen, graceful shutdown on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`Parley cannot start: ${error.message}`);
      process.exit(78);
    }
    throw error;
  }
  const app = await buildApp(config);
  closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'shutting down after an error');
    else app.log.info({ signal }, 'shutting down');
    await app.close();
  });
  await app.listen({ host: config.host, port: config.port });
  if (config.lanMode) {
    const port = (app.server.address() as { port: number }).port;
    const urls = ['localhost', ...lanAddresses()].map((host) => `  https://${host}:${port}`);
    console.log(`\nParley is on your network. Open one of these on each device (accept the certificate warning once):\n${urls.join('\n')}\n`);
  }
  if (config.webDistDir === null) app.log.warn('web app not built: serving the API only (run `pnpm build`)');
}

void main();
