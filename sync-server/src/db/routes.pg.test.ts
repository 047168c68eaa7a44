// The route suites that reach SQL, run once more on PostgreSQL: each test gets a throwaway schema
// (see testDatabase in test-helpers), so the suites stay exactly as they run on SQLite.
import { describe } from 'vitest';
import { useTestEngine } from '../test-helpers';
import { SKIP_PG, SKIP_PG_REASON } from './pg-testing';

useTestEngine('postgres');

describe.skipIf(SKIP_PG)(`route suites on PostgreSQL${SKIP_PG ? ` (${SKIP_PG_REASON})` : ''}`, async () => {
  await import('../accounts/register.test');
  await import('../accounts/login.test');
  await import('../accounts/sessions.test');
  await import('../accounts/devices.test');
  await import('../accounts/backup.test');
  await import('../accounts/profile.test');
  await import('../conversations/conversations.test');
  await import('../conversations/keys.test');
  await import('../services.test');
});
