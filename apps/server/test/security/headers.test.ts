import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createUser } from '../helpers/http.js';
import { startServer } from '../helpers/server.js';

/** `default-src 'self'; img-src 'self' data:` → { 'default-src': ["'self'"], 'img-src': ["'self'", 'data:'] }. */
function parseCsp(header: string | null): Record<string, string[]> {
  expect(header, 'content-security-policy header').toBeTruthy();
  return Object.fromEntries(
    header!
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((parts) => parts[0])
      .map(([name, ...values]) => [name!, values]),
  );
}

function webDist(): string {
  const dir = mkdtempSync(join(tmpdir(), 'parley-web-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Parley</title><div id="root"></div>');
  return dir;
}

describe('security headers', () => {
  it('the SPA carries a strict CSP and the hardening headers', async () => {
    const server = await startServer({ WEB_DIST_DIR: webDist() });
    const pages = [await fetch(`${server.baseUrl}/`), await fetch(`${server.baseUrl}/some/client/route`)];
    expect(pages.map((p) => p.status)).toEqual([200, 200]);
    expect(await pages[0]!.text()).toContain('<div id="root">');
    for (const res of pages) {
      const csp = parseCsp(res.headers.get('content-security-policy'));
      expect(csp['default-src']).toEqual(["'self'"]);
      expect(csp['script-src']).toEqual(["'self'"]);
      expect(csp['object-src']).toEqual(["'none'"]);
      expect(csp['frame-ancestors']).toEqual(["'none'"]);
      expect(csp['base-uri']).toEqual(["'self'"]);
      expect(csp['form-action']).toEqual(["'self'"]);
      expect(csp['connect-src']).toEqual(["'self'"]);
      for (const values of Object.values(csp)) {
        for (const bad of ["'unsafe-inline'", "'unsafe-eval'", '*', 'http:', 'https:', 'ws:', 'wss:']) expect(values).not.toContain(bad);
      }
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toMatch(/^(DENY|SAMEORIGIN)$/);
      expect(res.headers.get('strict-transport-security')).toMatch(/max-age=\d{7,}/);
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
      expect(res.headers.get('cross-origin-resource-policy')).toBe('same-origin');
      expect(res.headers.get('permissions-policy')).toContain('camera=(self)');
      expect(res.headers.get('permissions-policy')).toContain('geolocation=()');
      expect(res.headers.get('x-powered-by')).toBeNull();
      expect(res.headers.get('server')).toBeNull();
    }
  });

  it('API answers and API errors are never cached, sniffed, framed or read cross-origin, and their CSP allows nothing', async () => {
    const server = await startServer({ WEB_DIST_DIR: webDist() });
    const user = await createUser(server);
    const answers = [
      await fetch(`${server.apiUrl}/users/me`, { headers: { authorization: `Bearer ${user.token}` } }),
      await fetch(`${server.apiUrl}/users/me`),
      await fetch(`${server.apiUrl}/nope`),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 401, 404]);
    expect(((await answers[0]!.json()) as { id: string }).id).toBe(user.id);
    for (const res of answers) {
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(parseCsp(res.headers.get('content-security-policy'))).toEqual({ 'default-src': ["'none'"], 'frame-ancestors': ["'none'"] });
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('strict-transport-security')).toMatch(/max-age=\d{7,}/);
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('cross-origin-resource-policy')).toBe('same-origin');
      expect(res.headers.get('x-powered-by')).toBeNull();
      expect(res.headers.get('server')).toBeNull();
    }
  });
});

describe('CORS', () => {
  const preflight = (url: string, origin: string) =>
    fetch(url, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,authorization' } });

  it('is closed by default: no origin is allowed, not even with a preflight', async () => {
    const server = await startServer();
    const user = await createUser(server);
    const pre = await preflight(`${server.apiUrl}/auth/login`, 'https://evil.example');
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
    const simple = await fetch(`${server.apiUrl}/users/me`, { headers: { origin: 'https://evil.example', authorization: `Bearer ${user.token}` } });
    expect(simple.status).toBe(200);
    expect(simple.headers.get('access-control-allow-origin')).toBeNull();
    expect(simple.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('opens to exactly the origins in CORS_ORIGINS, without credentials', async () => {
    const server = await startServer({ CORS_ORIGINS: 'https://app.example, https://other.example' });
    for (const origin of ['https://app.example', 'https://other.example']) {
      const pre = await preflight(`${server.apiUrl}/auth/login`, origin);
      expect(pre.status).toBeLessThan(300);
      expect(pre.headers.get('access-control-allow-origin')).toBe(origin);
      expect(pre.headers.get('access-control-allow-credentials')).toBeNull();
    }
    for (const origin of ['https://evil.example', 'https://app.example.evil.example', 'null']) {
      const pre = await preflight(`${server.apiUrl}/auth/login`, origin);
      expect(pre.headers.get('access-control-allow-origin'), origin).toBeNull();
    }
  });
});
