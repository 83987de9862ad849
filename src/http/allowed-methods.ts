/**
 * Which methods a path answers, for the 405 of a known path called with another method
 * (RFC 9110 §15.5.6: the response lists them in `Allow`). Fastify's router only says "no
 * route", so the routes are recorded as they are added and matched here; this runs only
 * on requests that matched nothing.
 */
import type { RouteOptions } from 'fastify';

interface Known {
  pattern: RegExp;
  methods: Set<string>;
}

export class AllowedMethods {
  private readonly routes = new Map<string, Known>();

  /** For `app.addHook('onRoute', …)`: must be added before the routes are. */
  readonly record = (route: RouteOptions) => {
    const url = route.url;
    let known = this.routes.get(url);
    if (!known) {
      // `:param` is one path segment; `*` is the rest of the path.
      const source = url
        .split('/')
        .map((seg) =>
          seg.startsWith(':') ? '[^/]+' : seg === '*' ? '.*' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
        )
        .join('/');
      known = { pattern: new RegExp(`^${source}/?$`), methods: new Set() };
      this.routes.set(url, known);
    }
    for (const m of [route.method].flat()) known.methods.add(m.toUpperCase());
  };

  /** The methods some route answers at `path` (no query string), sorted; empty when none does. */
  at(path: string): string[] {
    const out = new Set<string>();
    for (const { pattern, methods } of this.routes.values())
      if (pattern.test(path)) for (const m of methods) out.add(m);
    return [...out].sort();
  }
}
