import { defineConfig } from 'vitest/config';

// Every test starts real processes (PostgreSQL, Redis, server nodes, nginx): one file at a time on a 2-core machine.
export default defineConfig({ test: { include: ['test/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 120_000, fileParallelism: false } });
