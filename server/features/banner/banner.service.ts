import { sql } from 'kysely';
import type { Database } from '../../db/index.js';
import type { Viewer } from '../../policy/index.js';
import { cook } from '../../content/cook.js';
import { FormError } from '../../web/forms.js';
import { recordAction } from '../moderation/audit.js';
import { type Banner, BANNER_MAX, forgetCachedSettings, getSettings } from '../settings/settings.js';

/** The banner in force now (set and not past its date), or null. */
export function activeBanner(banner: Banner | null, now = new Date()): ActiveBanner | null {
  return banner && Date.parse(banner.until) > now.getTime() ? { ...banner, text_html: banner.html } : null;
}

/** A banner as pages show it: its cooked text as `text_html`, the only kind of field templates print raw. */
export type ActiveBanner = Banner & { text_html: string };

export interface BannerInput {
  text: string;
  /** A topic the banner links to (id), or null. */
  topicId: number | null;
  until: Date | null;
}

async function store(db: Database, actor: Viewer, value: Banner | null, action: 'banner_set' | 'banner_clear'): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('settings')
      .values({ key: 'banner', value: JSON.stringify(value) })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: (eb) => eb.ref('excluded.value'), updated_at: sql`now()` }))
      .execute();
    await recordAction(trx, { actorId: actor.id, action: 'settings_change', details: { setting: 'banner', action, text: value?.md ?? null, until: value?.until ?? null } });
  });
  forgetCachedSettings(db);
}

/** Publishes a new banner (a new id: everyone sees it again, also those who closed the previous one). */
export async function setBanner(db: Database, actor: Viewer, input: BannerInput, now = new Date()): Promise<Banner> {
  const text = input.text.trim();
  const errors: FormError['fields'] = {};
  if (!text) errors.text = { key: 'errors.required' };
  else if (text.length > BANNER_MAX) errors.text = { key: 'errors.tooLong', params: { limit: BANNER_MAX } };
  if (!input.until || input.until.getTime() <= now.getTime()) errors.until = { key: 'banner.untilFuture' };
  if (input.topicId !== null) {
    const topic = await db.selectFrom('topics').select('id').where('id', '=', input.topicId).where('deleted_at', 'is', null).executeTakeFirst();
    if (!topic) errors.topic_id = { key: 'banner.noTopic' };
  }
  if (Object.keys(errors).length) throw new FormError(errors);
  const previous = (await getSettings(db)).banner;
  // Ids only grow, even if the clock goes back.
  const banner: Banner = { id: Math.max(Date.now(), (previous?.id ?? 0) + 1), md: text, html: cook(text), topic_id: input.topicId, until: input.until!.toISOString() };
  await store(db, actor, banner, 'banner_set');
  return banner;
}

export async function clearBanner(db: Database, actor: Viewer): Promise<void> {
  await store(db, actor, null, 'banner_clear');
}

/** A member closes the banner for themselves (until a new one is published). */
export async function dismissBanner(db: Database, userId: number, bannerId: number): Promise<void> {
  await db.updateTable('users').set({ dismissed_banner_id: bannerId }).where('id', '=', userId).execute();
}
