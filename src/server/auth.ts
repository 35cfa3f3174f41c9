// Who may use the API and the UI. On loopback anyone on the machine may (as with Falco's
// webserver); bound elsewhere, a request must carry the configured token, as
// `Authorization: Bearer <token>` or as the cookie the UI sets after `/?token=<token>`.
// Without a configured token nothing off loopback gets in: there is no default secret.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const TOKEN_COOKIE = 'saker_token';

export type AuthResult = { ok: true } | { ok: false; status: 401; reason: string };

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** Compares in constant time (digests first, so lengths do not leak either). */
function sameToken(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

function cookieValue(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

export class Authorizer {
  /** `required`: the server is bound off loopback. */
  constructor(private readonly required: boolean, private readonly token: string | undefined) {}

  check(req: IncomingMessage): AuthResult {
    if (!this.required) return { ok: true };
    if (this.token === undefined) {
      return { ok: false, status: 401, reason: 'the API is bound off loopback and no webserver.api_token (or SAKER_API_TOKEN) is configured' };
    }
    const auth = req.headers.authorization;
    const given = auth?.startsWith('Bearer ') ? auth.slice(7).trim() : cookieValue(req, TOKEN_COOKIE);
    if (given === undefined) return { ok: false, status: 401, reason: 'a bearer token is required' };
    if (!sameToken(given, this.token)) return { ok: false, status: 401, reason: 'wrong token' };
    return { ok: true };
  }

  /** True when `candidate` (from `?token=`) is the configured token. */
  accepts(candidate: string): boolean {
    return this.token !== undefined && sameToken(candidate, this.token);
  }
}
