/** Canonical form of a username for uniqueness: NFKC then case-folded, so Admin, admin and ａｄｍｉｎ collide. */
export function usernameKey(username: string): string {
  return username.normalize('NFKC').toLowerCase().normalize('NFKC');
}

/** Canonical form of an e-mail address for uniqueness and login lookup. */
export function emailKey(email: string): string {
  return email.normalize('NFKC').trim().toLowerCase();
}

/** Letters (any script), digits, underscore and hyphen; checked after NFKC so look-alike forms are judged fairly. */
export const USERNAME_PATTERN = /^[\p{L}\p{N}_-]{3,20}$/u;

export function isValidUsername(username: string): boolean {
  return USERNAME_PATTERN.test(username.normalize('NFKC'));
}
