const RU: Record<string, string> = {
  а: 'a', б: 'b', в: 'v', г: 'g', д: 'd', е: 'e', ё: 'e', ж: 'zh', з: 'z', и: 'i', й: 'y', к: 'k', л: 'l', м: 'm',
  н: 'n', о: 'o', п: 'p', р: 'r', с: 's', т: 't', у: 'u', ф: 'f', х: 'kh', ц: 'ts', ч: 'ch', ш: 'sh', щ: 'shch',
  ъ: '', ы: 'y', ь: '', э: 'e', ю: 'yu', я: 'ya',
};

/**
 * Words that are also pages under /t/:id/ (the reply form, a poll, an idea's status…): a topic titled "Poll" must
 * not get the slug `poll`, or its /t/:id/:slug address would open that page instead of the topic.
 */
const RESERVED = new Set(['reply', 'poll', 'status', 'merge-idea', 'watch', 'move', 'merge', 'split', 'slow-mode', 'posts']);

/** URL slug from a title: Russian transliterated, ASCII only, at most 80 characters, never a reserved word. */
export function slugify(text: string, fallback = 'topic'): string {
  const latin = text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[а-яё]/g, (ch) => RU[ch] ?? '')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '');
  const slug = latin.replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80).replace(/-+$/, '');
  if (RESERVED.has(slug)) return `${slug}-topic`;
  return slug || fallback;
}
