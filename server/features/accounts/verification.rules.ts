import type { Config } from '../../config.js';
import type { Database } from '../../db/index.js';
import { getSettings, type Settings } from '../settings/settings.js';

/**
 * Whether the forum asks new members to confirm their address before they post. The admin setting decides;
 * its default ('auto') asks only when mail can actually be sent (SMTP_URL configured), so a forum without mail
 * never strands its new members.
 */
export function verificationRequired(settings: Pick<Settings, 'require_email_verification'>, config: Pick<Config, 'smtpUrl'>): boolean {
  const mode = settings.require_email_verification ?? 'auto';
  return mode === 'on' || (mode === 'auto' && !!config.smtpUrl);
}

/** The same, reading the settings in force (cached per instance for a few seconds). */
export async function isVerificationRequired(db: Database, config: Pick<Config, 'smtpUrl'>): Promise<boolean> {
  return verificationRequired(await getSettings(db), config);
}
