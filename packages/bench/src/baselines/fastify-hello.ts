/** The REST baseline: a bare Fastify server, no plugins, no logger. `GET /hello` and `POST /hello` (JSON echo). */
import Fastify from 'fastify';

const port = Number(process.argv[2]);
const app = Fastify({ logger: false });
app.get('/hello', async () => ({ hello: 'world' }));
app.post('/hello', async (request) => ({ echo: request.body }));
await app.listen({ host: '127.0.0.1', port });
console.log(`fastify hello listening on ${port}`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
