// Which conversation is open, kept in the URL hash (#/c/<id>) so reloads and the back button work.
import { useCallback, useSyncExternalStore } from 'react';

const PREFIX = '#/c/';

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  window.addEventListener('popstate', onChange);
  return () => {
    window.removeEventListener('hashchange', onChange);
    window.removeEventListener('popstate', onChange);
  };
}

function current(): string | null {
  const hash = location.hash;
  return hash.startsWith(PREFIX) ? decodeURIComponent(hash.slice(PREFIX.length)) : null;
}

/** Marks history entries the app pushed itself, so "back" can simply step back to them. */
interface RouteState {
  mekongOpenedFromApp: true;
}

function openedFromApp(): boolean {
  return (history.state as RouteState | null)?.mekongOpenedFromApp === true;
}

export function useHashRoute(): [string | null, (conversationId: string | null) => void] {
  const openId = useSyncExternalStore(subscribe, current);
  const navigate = useCallback((conversationId: string | null) => {
    if (conversationId === current()) return;
    if (conversationId) {
      const url = location.pathname + location.search + PREFIX + encodeURIComponent(conversationId);
      // switching chats replaces the entry, so "back" leads to the list rather than through every chat
      const state: RouteState = { mekongOpenedFromApp: true };
      if (current() && openedFromApp()) history.replaceState(state, '', url);
      else history.pushState(state, '', url);
    } else if (openedFromApp()) {
      history.back(); // to the list entry below this chat; fires popstate
      return;
    } else {
      // opened from a reload or a link: there is no list entry to go back to, so make this one the list
      history.replaceState(null, '', location.pathname + location.search);
    }
    window.dispatchEvent(new PopStateEvent('popstate'));
  }, []);
  return [openId, navigate];
}
