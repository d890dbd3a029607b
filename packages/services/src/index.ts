export { accepts, freePort, waitUntil } from './ports.js';
export { ServiceProcess } from './process.js';
export { redisBinary, startRedis, type RedisServer } from './redis.js';
export { postgresBinDir, startPostgres, type PostgresServer } from './postgres.js';
export { nginxBinary, parleyServerBlock, startNginx, type NginxServer, type Upstream } from './nginx.js';
