import { closeAllClients } from '@parley/testkit';
import { afterEach } from 'vitest';
import { stopAllServers } from './server.js';

afterEach(async () => {
  closeAllClients();
  await stopAllServers();
});
