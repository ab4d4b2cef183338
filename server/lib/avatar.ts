const PALETTE = ['#2563eb', '#7c3aed', '#db2777', '#dc2626', '#ea580c', '#ca8a04', '#16a34a', '#0d9488', '#0891b2', '#4f46e5', '#9333ea', '#be123c'];

/** Initials and a stable colour for the generated avatar of a user. */
export function avatarFor(username: string, displayName?: string | null): { initials: string; color: string } {
  const source = (displayName?.trim() || username).trim();
  const words = source.split(/[\s_-]+/).filter(Boolean);
  // By code point, not UTF-16 unit, so an emoji or other astral letter is never cut in half.
  const letters = words.length > 1 ? [[...words[0]!][0], [...words[1]!][0]] : [...(words[0] ?? source)].slice(0, 2);
  let hash = 0;
  for (const ch of username) hash = (hash * 31 + ch.codePointAt(0)!) >>> 0;
  return { initials: letters.join('').toUpperCase(), color: PALETTE[hash % PALETTE.length]! };
}
