import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const KEY_LENGTH = 64;

/**
 * scrypt's cost (N) for new hashes: the configuration's PASSWORD_HASH_COST, which production never
 * sets below this. Tests set a small one so that signing in takes microseconds; a hash records its
 * own cost, so every stored hash is verified with the cost it was made with.
 */
export const DEFAULT_HASH_COST = 16384;

function scryptAsync(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  // scrypt needs 128 × N × r bytes; Node refuses more than 32 MiB unless told, so allow twice what the cost needs.
  const maxmem = 2 * 128 * (options.N ?? DEFAULT_HASH_COST) * (options.r ?? 8);
  return new Promise((resolve, reject) => {
    scrypt(password, salt, KEY_LENGTH, { ...options, maxmem }, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/** Hashes a password with scrypt (cost N) and a random salt: `scrypt$N$r$p$salt$hash` (base64). */
export async function hashPassword(password: string, cost: number): Promise<string> {
  const params = { N: cost, r: 8, p: 1 };
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, params);
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64'), key.toString('base64')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const key = await scryptAsync(password, Buffer.from(salt, 'base64'), { N: Number(n), r: Number(r), p: Number(p) });
  return key.length === expected.length && timingSafeEqual(key, expected);
}
