import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { requestArbitrary, routesFromTree, type Route } from '../src/fuzz-http.js';

// What Fastify 5's `printRoutes({ commonPrefix: false })` printed for Parley (a part of it).
const TREE = `├── /docs (GET, HEAD)
│   └── / (GET, HEAD)
│       ├── static/index.html (GET, HEAD)
│       ├── * (HEAD, GET)
│       └── json (GET, HEAD)
├── /api/v1/auth/login (POST)
├── /api/v1/calls (POST, GET, HEAD)
│   └── /:id (GET, HEAD)
│       └── /end (POST)
└── /metrics (GET, HEAD)
`;

describe('routesFromTree', () => {
  it('joins nested segments into full paths, one route per method, without HEAD and wildcards', () => {
    expect(routesFromTree(TREE)).toEqual([
      { method: 'GET', path: '/docs' },
      { method: 'GET', path: '/docs/' },
      { method: 'GET', path: '/docs/static/index.html' },
      { method: 'GET', path: '/docs/json' },
      { method: 'POST', path: '/api/v1/auth/login' },
      { method: 'POST', path: '/api/v1/calls' },
      { method: 'GET', path: '/api/v1/calls' },
      { method: 'GET', path: '/api/v1/calls/:id' },
      { method: 'POST', path: '/api/v1/calls/:id/end' },
      { method: 'GET', path: '/metrics' },
    ]);
  });
});

describe('requestArbitrary', () => {
  const routes: Route[] = [
    { method: 'POST', path: '/api/v1/calls/:id/end' },
    { method: 'GET', path: '/api/v1/users' },
  ];
  const requests = fc.sample(requestArbitrary(routes, { valid: 'good.token.here', others: ['other.token'] }), { seed: 3, numRuns: 500 });

  it('aims every request at one of the routes, with its parameter filled in', () => {
    for (const request of requests) {
      const prefix = request.route.path.split(':id')[0]!;
      expect(request.path.startsWith(prefix), request.path).toBe(true);
      expect(request.path).not.toContain(':id');
    }
  });

  it('sends no body with GET or HEAD, and mostly the route’s own method', () => {
    for (const request of requests) if (request.method === 'GET' || request.method === 'HEAD') expect(request.body).toBeUndefined();
    const own = requests.filter((r) => r.method === r.route.method).length;
    expect(own / requests.length).toBeGreaterThan(0.6);
  });

  it('tries the valid token, other tokens and none', () => {
    const auth = new Set(requests.map((r) => r.headers?.['authorization']));
    expect(auth).toContain('Bearer good.token.here');
    expect(auth).toContain('Bearer other.token');
    expect(auth).toContain(undefined);
  });
});
