// One open conversation: its loaded window of messages, kept current through subscribe().
import type { Conversation, MekongClient, MessageView } from '@mekong/client-core';
import { useCallback, useEffect, useState } from 'react';

export interface ConversationState {
  conversation: Conversation | null;
  messages: MessageView[];
  error: unknown;
  /** False once loadOlder() reported that the start of the history is loaded. */
  hasOlder: boolean;
  loadingOlder: boolean;
  loadOlder(): void;
}

const PAGE = 40;

export function useConversation(client: MekongClient, id: string): ConversationState {
  const [conversation, setConversation] = useState<Conversation | null>(null);
  const [messages, setMessages] = useState<MessageView[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [hasOlder, setHasOlder] = useState(true);
  const [loadingOlder, setLoadingOlder] = useState(false);

  useEffect(() => {
    let cancelled = false;
    let opened: Conversation | null = null;
    let unsubscribe = () => {};
    setConversation(null);
    setMessages([]);
    setError(null);
    setHasOlder(true);
    setLoadingOlder(false);
    client.open(id).then(
      (c) => {
        if (cancelled) return c.close();
        opened = c;
        setConversation(c);
        setMessages([...c.messages()]);
        // copy: the client may hand out the same array, mutated, on every change
        unsubscribe = c.subscribe((next) => setMessages([...next]));
      },
      (err: unknown) => !cancelled && setError(err),
    );
    return () => {
      cancelled = true;
      unsubscribe();
      opened?.close();
    };
  }, [client, id]);

  const loadOlder = useCallback(() => {
    if (!conversation || loadingOlder || !hasOlder) return;
    setLoadingOlder(true);
    const before = conversation.messages().length;
    conversation.loadOlder(PAGE).then(
      (more) => {
        const all = conversation.messages();
        // a short page means the start was reached: say so now rather than after another scroll
        setHasOlder(more && all.length - before >= PAGE);
        setMessages([...all]);
        setLoadingOlder(false);
      },
      () => setLoadingOlder(false),
    );
  }, [conversation, loadingOlder, hasOlder]);

  return { conversation, messages, error, hasOlder, loadingOlder, loadOlder };
}
