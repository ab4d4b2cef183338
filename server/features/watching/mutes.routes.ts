import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { findUserByUsername } from '../accounts/accounts.queries.js';
import { canMuteUser, canUnmuteUser } from '../../policy/index.js';
import { ForbiddenError, NotFoundError } from '../../web/errors.js';
import { isHtmx, render } from '../../web/render.js';
import { isMuted } from './watching.queries.js';
import { UsernameParams } from './watching.schemas.js';
import * as service from './watching.service.js';

type Target = NonNullable<Awaited<ReturnType<typeof findUserByUsername>>>;

export default async function mutesRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = app;

  async function loadTarget(username: string): Promise<Target> {
    const user = await findUserByUsername(db, username);
    if (!user) throw new NotFoundError();
    return user;
  }

  async function control(request: FastifyRequest, reply: FastifyReply, target: Target, saved = false) {
    const viewer = request.viewer!;
    const muted = await isMuted(db, viewer.id, target.id);
    const data = { target, muted, canMute: canMuteUser(viewer, target), muteSaved: saved };
    return render(request, reply, { page: 'watching/mute', fragment: 'watching/_mute_control', title: target.display_name || target.username, data });
  }

  // The profile loads this control itself (htmx, on load); without JavaScript its link leads to this page.
  app.get('/u/:username/mute', { schema: { params: UsernameParams } }, async (request, reply) => {
    const target = await loadTarget(request.params.username);
    if (!request.viewer) return reply.redirect(`/login?next=${encodeURIComponent(`/u/${target.username}/mute`)}`, 303);
    if (!canUnmuteUser(request.viewer, target)) throw new ForbiddenError('watching.errors.cannotMute');
    return control(request, reply, target);
  });

  for (const [path, on] of [['mute', true], ['unmute', false]] as const) {
    app.post(`/u/:username/${path}`, { schema: { params: UsernameParams } }, async (request, reply) => {
      const target = await loadTarget(request.params.username);
      const viewer = request.viewer;
      const back = `/u/${encodeURIComponent(target.username)}`;
      if (!viewer) return reply.redirect(`/login?next=${encodeURIComponent(back)}`, 303);
      if (!(on ? canMuteUser(viewer, target) : canUnmuteUser(viewer, target))) throw new ForbiddenError('watching.errors.cannotMute');
      await service.setMuted(db, viewer.id, target.id, on);
      if (isHtmx(request)) return control(request, reply, target, true);
      return reply.redirect(back, 303);
    });
  }
}
