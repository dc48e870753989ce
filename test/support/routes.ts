import type { Express } from 'express';

/** What Express 5 (router 2) keeps of each layer of a router's stack. */
interface Layer {
  /** A route's path and methods (routes only). */
  route?: { path: string | string[]; methods: Record<string, boolean | undefined> };
  /** A mounted router has its own stack. */
  handle: { stack?: Layer[] };
  /** The path the layer was mounted at ('/' for app.use(router)). */
  rawPath?: unknown;
}

/**
 * Every route the app answers, read from its router (nested routers included, with the path
 * each was mounted at), as "METHOD /path" in the order they are mounted; a route mounted twice
 * (an upload's parser, then its handler) is listed once. Static files and the 404 are not routes.
 */
export function listRoutes(app: Express): string[] {
  const found = new Set<string>();
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        const routePaths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        const methods = Object.keys(layer.route.methods).filter((m) => layer.route!.methods[m] && m !== '_all');
        for (const p of routePaths) for (const m of methods) found.add(`${m.toUpperCase()} ${prefix}${p}`);
      } else if (layer.handle.stack) {
        if (typeof layer.rawPath !== 'string')
          throw new Error('A router is mounted at a path that is not a string: list its routes by hand');
        walk(layer.handle.stack, layer.rawPath === '/' ? prefix : `${prefix}${layer.rawPath}`);
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '');
  return [...found];
}
