/** `audex token create`: stores a new token (hashed) and returns the plaintext to print once. */
import type { AudexConfig } from '../config/config-schema.js';
import { hashToken, mintToken } from '../admin/auth.js';
import { createSqliteStores } from '../storage/sqlite/sqlite-stores.js';
import { randomUUID } from 'node:crypto';

export async function createTokenCommand(
  config: Readonly<AudexConfig>,
  name: string,
  role: 'admin' | 'editor' | 'viewer',
): Promise<string> {
  const stores = await createSqliteStores({ dataDir: config.dataDir });
  try {
    const token = mintToken();
    await stores.tokens.put({ id: randomUUID(), name, role, hash: hashToken(token), createTime: Date.now() });
    return token;
  } finally {
    await stores.close();
  }
}
