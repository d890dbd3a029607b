import { afterEach } from 'vitest';
import { stopAllServers } from './server.js';
import { closeAllClients } from './ws-client.js';

afterEach(async () => {
  closeAllClients();
  await stopAllServers();
});
