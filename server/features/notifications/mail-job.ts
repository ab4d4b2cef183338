import type { Config } from '../../config.js';

/** What the mail jobs need from the configuration (links, signing, the fallback language). */
export type MailJobConfig = Pick<Config, 'baseUrl' | 'secretKey' | 'defaultLocale'>;

/**
 * Runs `each` for every id, one member's failure not stopping the others (they would wait behind it on every run);
 * the first error is rethrown at the end so the job runner records it.
 */
export async function forEachMember(ids: number[], each: (id: number) => Promise<boolean>): Promise<number> {
  let sent = 0;
  let failure: unknown = null;
  for (const id of ids) {
    try {
      if (await each(id)) sent += 1;
    } catch (err) {
      failure ??= err;
    }
  }
  if (failure) throw failure;
  return sent;
}
