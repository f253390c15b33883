/**
 * Finds the interaction an entry's method and URL select, by matching the path against the same
 * Express-style paths (rest/interactions.ts) the HTTP router mounts: literal segments, `:type`,
 * `:id` and `:versionId`. The table is ordered, so the first match wins, as in the router.
 */
import type { Interaction } from '../interactions';

export interface RouteMatch {
  interaction: Interaction;
  /** Route parameters, URL-decoded: type, id, versionId. */
  params: Record<string, string>;
}

/**
 * The interaction serving `method` at `segments` (HEAD is served as GET), or, when only other methods
 * serve that path, the methods allowed there (for a 405); undefined when no interaction has that path.
 */
export function matchRoute(interactions: readonly Interaction[], method: string, segments: readonly string[]): RouteMatch | { allowed: string[] } | undefined {
  const wanted = method === 'HEAD' ? 'GET' : method;
  const allowed = new Set<string>();
  for (const interaction of interactions) {
    const params = matchPath(interaction.path, segments);
    if (!params) continue;
    if (interaction.method === wanted) return { interaction, params };
    allowed.add(interaction.method);
  }
  return allowed.size ? { allowed: [...allowed] } : undefined;
}

/** Route parameters when `segments` match the Express-style `pattern`, else undefined. */
export function matchPath(pattern: string, segments: readonly string[]): Record<string, string> | undefined {
  const parts = pattern.split('/').filter((p) => p !== '');
  if (parts.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    const segment = decode(segments[i]);
    if (segment === undefined) return undefined;
    if (part.startsWith(':')) params[part.slice(1)] = segment;
    else if (part !== segment) return undefined;
  }
  return params;
}

function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
