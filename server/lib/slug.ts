const RU: Record<string, string> = {
  а: 'a', б: 'b', в: 'v', г: 'g', д: 'd', е: 'e', ё: 'e', ж: 'zh', з: 'z', и: 'i', й: 'y', к: 'k', л: 'l', м: 'm',
  н: 'n', о: 'o', п: 'p', р: 'r', с: 's', т: 't', у: 'u', ф: 'f', х: 'kh', ц: 'ts', ч: 'ch', ш: 'sh', щ: 'shch',
  ъ: '', ы: 'y', ь: '', э: 'e', ю: 'yu', я: 'ya',
};

/** URL slug from a title: Russian transliterated, ASCII only, at most 80 characters. */
export function slugify(text: string, fallback = 'topic'): string {
  const latin = text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[а-яё]/g, (ch) => RU[ch] ?? '')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '');
  const slug = latin.replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80).replace(/-+$/, '');
  return slug || fallback;
}
