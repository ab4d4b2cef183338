/** Keyset cursor for lists ordered by (timestamp desc, id desc): "<epoch-ms>_<id>". */
export interface Cursor {
  at: Date;
  id: number;
}

export function encodeCursor(at: Date, id: number): string {
  return `${at.getTime()}_${id}`;
}

/** Parses a cursor from a query string; null when absent or malformed (callers answer 400 or ignore). */
export function decodeCursor(raw: unknown): Cursor | null {
  if (typeof raw !== 'string') return null;
  const m = /^(\d{1,15})_([1-9]\d{0,9})$/.exec(raw);
  if (!m) return null;
  const id = Number(m[2]);
  const at = new Date(Number(m[1]));
  if (id > 2147483647 || Number.isNaN(at.getTime())) return null;
  return { at, id };
}
