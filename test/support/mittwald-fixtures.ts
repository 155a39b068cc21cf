/** Fixture users and API tokens for tests against the local mittwald stand-in. Tokens have the shape mittwald's
 * API tokens were observed to have (`<uuid>:<secret>:mittwald_a`), but the secret part is visibly fake and
 * random per run, so nothing here can be mistaken for — or collide with — a real credential. */
import { randomBytes, randomUUID } from 'node:crypto';

/** A mittwald user as `GET /v2/users/self` describes it (the fields the wizard reads). */
export interface TestUser {
  userId: string;
  email?: string;
  person: { firstName: string; lastName: string };
}

/** A fresh user with a random id; `overrides` replace fields whole. */
export function createTestUser(overrides: Partial<TestUser> = {}): TestUser {
  const userId = overrides.userId ?? randomUUID();
  return {
    userId,
    email: `test-${userId.slice(0, 8)}@example.test`,
    person: { firstName: 'Ada', lastName: 'Lovelace' },
    ...overrides,
  };
}

/** A random token shaped like a mittwald API token: `<uuid>:test-<hex>:mittwald_a` (~70 characters). */
export function createTestToken(): string {
  return `${randomUUID()}:test-${randomBytes(16).toString('hex')}:mittwald_a`;
}
