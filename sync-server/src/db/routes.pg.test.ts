// The route suites that reach SQL, run once more on PostgreSQL. Each test gets a throwaway schema
// (testDatabase in test-helpers), so the suites run exactly as they do on SQLite.
import { describe } from 'vitest';
import { useTestEngine } from '../test-helpers';
import { SKIP_PG, SKIP_PG_REASON } from './pg-testing';

useTestEngine('postgres');

// One describe per file: a suite's top-level hooks then apply to its own tests only.
const suites: Record<string, () => Promise<unknown>> = {
  'accounts/register': () => import('../accounts/register.test'),
  'accounts/login': () => import('../accounts/login.test'),
  'accounts/sessions': () => import('../accounts/sessions.test'),
  'accounts/bans': () => import('../accounts/bans.test'),
  'accounts/devices': () => import('../accounts/devices.test'),
  'accounts/backup': () => import('../accounts/backup.test'),
  'accounts/profile': () => import('../accounts/profile.test'),
  'conversations/conversations': () => import('../conversations/conversations.test'),
  'conversations/keys': () => import('../conversations/keys.test'),
  'groups/groups': () => import('../groups/groups.test'),
  'groups/members': () => import('../groups/members.test'),
  'groups/log': () => import('../groups/log.test'),
  'groups/envelopes': () => import('../groups/envelopes.test'),
  'groups/matrix': () => import('../groups/matrix.test'),
  'groups/scale': () => import('../groups/scale.test'),
  'groups/relay-history': () => import('../groups/relay-history.test'),
  services: () => import('../services.test'),
  'db/migrations/0002_social': () => import('./migrations/0002_social.test'),
  'db/migrations/0005_bans': () => import('./migrations/0005_bans.test'),
  'social/requests': () => import('../social/requests.test'),
  'social/friends': () => import('../social/friends.test'),
  'social/blocks': () => import('../social/blocks.test'),
  'social/search': () => import('../social/search.test'),
  'social/contact': () => import('../social/contact.test'),
  'social/message-requests': () => import('../social/message-requests.test'),
  'social/matrix': () => import('../social/matrix.test'),
  'social/bad-input': () => import('../social/bad-input.test'),
  'media/routes': () => import('../media/routes.test'),
};

describe.skipIf(SKIP_PG)(`on PostgreSQL${SKIP_PG ? ` (${SKIP_PG_REASON})` : ''}`, () => {
  for (const [name, load] of Object.entries(suites)) {
    describe(name, async () => {
      await load();
    });
  }
});
