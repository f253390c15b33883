/**
 * Security headers on every response (helmet): the API serves data, never pages, so the policy is
 * the strictest there is. A Binary download keeps its own Content-Type; the policy also stops stored
 * HTML or SVG from running scripts when opened in a browser.
 */
import helmet from 'helmet';
import type { RequestHandler } from 'express';

/** The Content-Security-Policy of every response. */
export const CONTENT_SECURITY_POLICY = "default-src 'none';frame-ancestors 'none'";

/**
 * nosniff, Referrer-Policy no-referrer, X-Frame-Options DENY, the CSP above, helmet's cross-origin
 * isolation defaults, and Strict-Transport-Security only when the public base URL is https.
 */
export function securityHeaders(options: { https: boolean }): RequestHandler {
  return helmet({
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: options.https ? { maxAge: 31_536_000, includeSubDomains: false } : false,
  });
}

/** The same headers as raw header lines, for answers written straight to the socket (server.ts answerClientErrors). */
export const RAW_SECURITY_HEADERS =
  `X-Content-Type-Options: nosniff\r\nContent-Security-Policy: ${CONTENT_SECURITY_POLICY}\r\nX-Frame-Options: DENY\r\nReferrer-Policy: no-referrer\r\n`;
