/**
 * Links and images in a cooked post. Counting on the cooked HTML (not the markdown) sees exactly what readers
 * will see: autolinked bare URLs, reference links, images. Only absolute http(s) URLs count: links inside the
 * forum are relative and never limited.
 */

export interface PostLinks {
  /** Hosts of the links (one entry per link), lower case, without a leading `www.`. */
  links: string[];
  /** Hosts of the images (one entry per image). */
  images: string[];
}

// sanitize-html writes attributes double-quoted with `"` escaped, so these fixed patterns read its output exactly.
const HREF = /<a\s[^>]*?href="([^"]*)"/g;
const SRC = /<img\s[^>]*?src="([^"]*)"/g;

/** The host of an absolute http(s) URL (entities decoded), or null. */
export function hostOf(raw: string): string | null {
  const url = raw.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#x27;|&#39;/g, "'");
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
    return u.hostname.toLowerCase().replace(/\.$/, '').replace(/^www\./, '') || null;
  } catch {
    return null;
  }
}

export function extractLinks(html: string): PostLinks {
  const hosts = (re: RegExp) => [...html.matchAll(re)].map((m) => hostOf(m[1]!)).filter((h): h is string => h !== null);
  return { links: hosts(HREF), images: hosts(SRC) };
}

/** Whether the host is the domain or one of its subdomains. */
export function hostInDomain(host: string, domain: string): boolean {
  const d = domain.toLowerCase().replace(/\.$/, '');
  return host === d || host.endsWith(`.${d}`);
}

/** The first blocked domain that any of the hosts falls under, or null. */
export function blockedDomain(hosts: readonly string[], blocked: readonly string[]): string | null {
  for (const h of hosts) {
    const d = blocked.find((b) => hostInDomain(h, b));
    if (d) return d;
  }
  return null;
}

/** The largest number of links to one host. */
export function maxLinksToOneHost(hosts: readonly string[]): number {
  const counts = new Map<string, number>();
  for (const h of hosts) counts.set(h, (counts.get(h) ?? 0) + 1);
  return Math.max(0, ...counts.values());
}
