// Every route states who may call it (config.roles) or that it is public; a route that states
// neither is refused when it is registered, so a forgotten check cannot ship. Keys come as
// `Authorization: Bearer <key>` or `X-API-Key: <key>`. admin may do everything.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Actor, Role } from '../case/actor.ts';
import type { KeyVerifier } from './keys.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Roles allowed to call the route ('public': no key needed). */
    roles?: Role[] | 'public';
    /** The route also accepts a signed URL (evidence images in <img> tags cannot send headers). */
    signedUrl?: boolean;
  }
  interface FastifyRequest {
    actor: Actor | null;
  }
}

export interface AuthOptions {
  verifier: KeyVerifier;
  /** Checks ?exp=&sig= on routes with signedUrl; returns the actor to record, or null. */
  verifySignedUrl?: (request: FastifyRequest) => Actor | null;
  /** URL prefixes served by plugins (static page, docs) that hold no case data. */
  publicPrefixes: string[];
}

function presentedKey(request: FastifyRequest): string | undefined {
  const auth = request.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  const header = request.headers['x-api-key'];
  return typeof header === 'string' ? header.trim() : undefined;
}

export const authPlugin = fp(async function auth(app: FastifyInstance, opts: AuthOptions) {
  app.decorateRequest('actor', null);

  app.addHook('onRoute', (route) => {
    if (route.config?.roles) return;
    const url = route.url ?? route.path;
    if (opts.publicPrefixes.some((p) => url === p || url.startsWith(p))) {
      route.config = { ...(route.config ?? {}), roles: 'public' };
      return;
    }
    throw new Error(`route ${route.method} ${url} declares no roles: set config.roles (or 'public')`);
  });

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const roles = request.routeOptions.config?.roles;
    if (!roles || roles === 'public') return;
    const key = presentedKey(request);
    let actor: Actor | null = null;
    if (key) {
      actor = await opts.verifier.verify(key);
      if (!actor) return reply.code(401).send({ error: 'unauthorized', message: 'API key is not valid (unknown, malformed or revoked)' });
    } else if (request.routeOptions.config.signedUrl && opts.verifySignedUrl) {
      actor = opts.verifySignedUrl(request);
      if (!actor) return reply.code(401).send({ error: 'unauthorized', message: 'signed URL is missing, altered or expired; reload the case for a fresh link' });
    } else {
      return reply.code(401).send({ error: 'unauthorized', message: 'missing API key: send Authorization: Bearer <key>' });
    }
    if (actor.role !== 'admin' && !roles.includes(actor.role)) {
      return reply.code(403).send({
        error: 'forbidden',
        message: `role ${actor.role} may not ${request.method} ${request.routeOptions.url}; allowed: ${[...roles, 'admin'].filter((r, i, a) => a.indexOf(r) === i).join(', ')}`,
      });
    }
    request.actor = actor;
  });
});
