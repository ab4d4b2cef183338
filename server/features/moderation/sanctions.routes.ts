import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { parseId } from '../../lib/ids.js';
import { canSanction, canSetTrustLevel } from '../../policy/index.js';
import { ForbiddenError, NotFoundError } from '../../web/errors.js';
import { type FieldErrors, fieldErrors, FormError, formValues } from '../../web/forms.js';
import { redirect, render } from '../../web/render.js';
import { applySanction, isPermanent, liftSanction, listSanctions, suggestDuration } from './sanctions.js';
import { findMemberForModeration, findSanction, type MemberForModeration } from './sanctions.queries.js';
import { DURATIONS, LiftBody, MemberParams, MemberQuery, SanctionBody, MemberTrustBody } from './sanctions.schemas.js';
import { changeTrustLevel } from '../accounts/users.admin.service.js';

/** The form value of a ladder step (hours, or `permanent` for null). */
export function durationValue(hours: number | null): string {
  return hours === null ? 'permanent' : String(hours);
}

/** A moderator's view of a member (/mod/users/:id), applying and lifting sanctions. Behind the /mod guard. */
export default async function sanctionsRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = app;

  async function loadMember(rawId: string): Promise<MemberForModeration> {
    const id = parseId(rawId);
    const member = id && (await findMemberForModeration(db, id));
    if (!member) throw new NotFoundError();
    return member;
  }

  async function memberPage(request: FastifyRequest, reply: FastifyReply, member: MemberForModeration, values: Record<string, string> = {}, errors: FieldErrors = {}, status = 200, done?: string) {
    const now = new Date();
    const sanctions = await listSanctions(db, member.id);
    const suggested = durationValue(suggestDuration(sanctions, now));
    const allowed = canSanction(request.viewer, member, now);
    return render(request, reply, {
      page: 'mod/users/show',
      title: request.i18n.t('sanctions.title', { user: member.username }),
      status,
      data: {
        member,
        now,
        isPermanent,
        sanctions: sanctions.map((s) => ({ ...s, active: !s.lifted_at && s.ends_at > now })),
        canSanction: allowed,
        canSetTrust: canSetTrustLevel(request.viewer, member),
        durations: DURATIONS,
        suggested,
        values: { kind: 'silence', duration: suggested, reason: '', ...values },
        errors,
        done,
      },
    });
  }

  app.get('/users/:id', { schema: { params: MemberParams, querystring: MemberQuery } }, async (request, reply) => {
    const member = await loadMember(request.params.id);
    return memberPage(request, reply, member, {}, {}, 200, request.query.done);
  });

  app.post('/users/:id/sanctions', { schema: { params: MemberParams, body: SanctionBody }, attachValidation: true }, async (request, reply) => {
    const member = await loadMember(request.params.id);
    const viewer = request.viewer;
    if (!canSanction(viewer, member)) throw new ForbiddenError('sanctions.cannot');
    const values = formValues(request);
    if (request.validationError) return memberPage(request, reply, member, values, fieldErrors(request.i18n, request.validationError), 422);
    const reason = request.body.reason.trim();
    if (!reason) return memberPage(request, reply, member, values, fieldErrors(request.i18n, new FormError({ reason: { key: 'errors.required' } })), 422);
    const hours = request.body.duration === 'permanent' ? null : Number(request.body.duration);
    await db.transaction().execute((trx) => applySanction(trx, { kind: request.body.kind, userId: member.id, actorId: viewer.id, hours, reason }));
    return redirect(request, reply, `/mod/users/${member.id}?done=applied`);
  });

  /** Brand staff set (and lock) a member's trust level here; TL4 is only ever given this way or on /admin/users. */
  app.post('/users/:id/trust', { schema: { params: MemberParams, body: MemberTrustBody } }, async (request, reply) => {
    const member = await loadMember(request.params.id);
    if (!canSetTrustLevel(request.viewer, member)) throw new ForbiddenError('trustAdmin.cannotSet');
    await changeTrustLevel(db, request.viewer!, member.id, Number(request.body.trust_level), request.body.locked === '1');
    return redirect(request, reply, `/mod/users/${member.id}?done=trust`);
  });

  app.post('/sanctions/:id/lift', { schema: { params: MemberParams, body: LiftBody } }, async (request, reply) => {
    const id = parseId(request.params.id);
    const sanction = id && (await findSanction(db, id));
    if (!sanction) throw new NotFoundError();
    const viewer = request.viewer;
    // Lifting is the same power as imposing: a moderator cannot lift what a staff member put on a moderator.
    if (!canSanction(viewer, { id: sanction.user_id, role: sanction.role })) throw new ForbiddenError('sanctions.cannot');
    const lifted = await liftSanction(db, sanction.id, viewer.id, request.body?.reason ?? '');
    return redirect(request, reply, `/mod/users/${sanction.user_id}${lifted ? '?done=lifted' : ''}`);
  });
}
