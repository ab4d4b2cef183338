import { sql } from 'kysely';
import type { Database } from '../../db/index.js';
import { readAccessFor, type Viewer } from '../../policy/index.js';
import { hasUnread, isNewTopic } from './unread.rows.js';
import type { UnreadList } from './unread.queries.js';

/**
 * "Dismiss" / "mark all read": moves the viewer's read mark to the end of every topic on the list that has had no
 * post since `until` (when the list was shown), so a reply that arrived after the page was rendered stays unread.
 * One statement; marks only move forward (GREATEST), like the activity flush. This writes topic_reads directly and
 * not through the activity buffer on purpose: dismissing is not reading, so it credits no reading statistics.
 * A dismissed new topic thereby counts as opened: a later reply puts it on the unread list.
 */
export async function markListRead(db: Database, viewer: Viewer, list: UnreadList, until: Date): Promise<number> {
  const condition = list === 'new' ? isNewTopic(viewer) : hasUnread(viewer.id);
  const result = await sql`
    insert into topic_reads (user_id, topic_id, last_read_post_number, updated_at)
    select ${viewer.id}::int, topics.id, topics.last_post_number, now()
    from topics join categories on categories.id = topics.category_id
    where topics.deleted_at is null and categories.read_access in (${sql.join(readAccessFor(viewer))})
      and topics.last_posted_at <= ${until} and ${condition}
    on conflict (user_id, topic_id) do update
      set last_read_post_number = greatest(topic_reads.last_read_post_number, excluded.last_read_post_number), updated_at = now()`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}
