// Which conversation is open, kept in the URL hash (#/c/<id>) so reloads and the back button work.
import { useCallback, useSyncExternalStore } from 'react';

const PREFIX = '#/c/';

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

function current(): string | null {
  const hash = location.hash;
  return hash.startsWith(PREFIX) ? decodeURIComponent(hash.slice(PREFIX.length)) : null;
}

export function useHashRoute(): [string | null, (conversationId: string | null) => void] {
  const openId = useSyncExternalStore(subscribe, current);
  const navigate = useCallback((conversationId: string | null) => {
    if (conversationId === current()) return;
    if (conversationId) {
      location.hash = PREFIX + encodeURIComponent(conversationId);
    } else {
      // a bare "#" would stay in the address bar; drop the hash instead and announce it ourselves
      history.pushState(null, '', location.pathname + location.search);
      window.dispatchEvent(new HashChangeEvent('hashchange'));
    }
  }, []);
  return [openId, navigate];
}
