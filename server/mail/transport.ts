import nodemailer, { type Transporter } from 'nodemailer';
import type { Config } from '../config.js';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
  headers?: Record<string, string>;
}

export interface MailTransport {
  send(message: MailMessage): Promise<void>;
  close(): void;
}

export interface MailLog {
  info(obj: object, msg: string): void;
}

/**
 * SMTP through nodemailer when SMTP_URL is set; otherwise every mail is written to the log (development and
 * try-outs), so links such as a password reset can be copied from the console.
 */
export function createMailTransport(config: Pick<Config, 'smtpUrl' | 'mailFrom'>, log: MailLog): MailTransport {
  if (!config.smtpUrl) {
    return {
      async send(m) {
        log.info({ mail: { to: m.to, subject: m.subject, text: m.text } }, 'mail (no SMTP_URL set: written to the log instead of sent)');
      },
      close() {},
    };
  }
  const transporter: Transporter = nodemailer.createTransport(config.smtpUrl, { from: config.mailFrom });
  return {
    async send(m) {
      await transporter.sendMail({ from: config.mailFrom, to: m.to, subject: m.subject, text: m.text, html: m.html, headers: m.headers });
    },
    close() {
      transporter.close();
    },
  };
}
