import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import type { Role } from '../db/types.js';
import { registerUser } from '../features/accounts/accounts.service.js';
import { FormError } from '../web/forms.js';
import { translator } from '../web/i18n/index.js';
import { openCliDatabase, run } from './shared.js';

const ROLES: Role[] = ['member', 'moderator', 'staff', 'admin'];

/** Reads the password from a terminal prompt, or from standard input when it is piped. */
async function readPassword(): Promise<string> {
  if (!process.stdin.isTTY) {
    let data = '';
    for await (const chunk of process.stdin) data += chunk;
    return data.replace(/\r?\n$/, '');
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  try {
    return await rl.question('Password: ');
  } finally {
    rl.close();
  }
}

// npm run user:create -- --username X --email Y [--role admin] (password prompted, or piped on stdin)
run(async () => {
  const { values } = parseArgs({ options: { username: { type: 'string' }, email: { type: 'string' }, role: { type: 'string', default: 'member' } } });
  if (!values.username || !values.email) throw new Error('usage: npm run user:create -- --username NAME --email ADDRESS [--role member|moderator|staff|admin]');
  if (!ROLES.includes(values.role as Role)) throw new Error(`--role must be one of ${ROLES.join(', ')}`);
  const password = await readPassword();
  const { db, close } = await openCliDatabase();
  try {
    const user = await registerUser(db, loadConfig(), { username: values.username, email: values.email, password, role: values.role as Role });
    console.log(`created ${user.role} ${user.username} (id ${user.id})`);
  } catch (err) {
    if (!(err instanceof FormError)) throw err;
    const t = translator('en').t;
    for (const [field, { key, params }] of Object.entries(err.fields)) console.error(`${field}: ${t(key, params)}`);
    return 1;
  } finally {
    await close();
  }
});
