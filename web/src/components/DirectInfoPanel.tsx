// A direct chat's info panel: who the other person is and the safety number the two of you can
// compare in person; a changed identity key is flagged until it has been checked again.
import type { MekongClient, UserProfile } from '@mekong/client-core';
import { useCallback, useEffect, useState } from 'react';
import { errorKey } from '../errors';
import { useT } from '../i18n';
import { safetyNumberGroups, safetyNumberRows } from '../safety';
import { Avatar } from './Avatar';
import { ConfirmDialog } from './ConfirmDialog';

interface Props {
  client: MekongClient;
  peer: UserProfile;
  /** Whether this person is on the blocked list, as last loaded. */
  blocked: boolean;
  /** Called after a block or unblock, so the lists that show it reload. */
  onSocialChanged(): void;
}

interface Safety {
  number: string;
  changed: boolean;
  verified: boolean;
}

export function DirectInfoPanel({ client, peer, blocked, onSocialChanged }: Props) {
  const t = useT();
  const [safety, setSafety] = useState<Safety | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [blocking, setBlocking] = useState(false);
  const [blockError, setBlockError] = useState<unknown>(null);

  const unblock = async () => {
    setBlockError(null);
    try {
      await client.social.unblock(peer.username);
      onSocialChanged();
    } catch (err) {
      setBlockError(err);
    }
  };

  const load = useCallback(async () => {
    setError(null);
    try {
      setSafety(await client.safetyNumber(peer.username));
    } catch (err) {
      setError(err);
    }
  }, [client, peer.username]);

  useEffect(() => {
    void load();
  }, [load]);

  const verify = async () => {
    setBusy(true);
    try {
      await client.verifySafetyNumber(peer.username);
      await load();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const groups = safety ? safetyNumberGroups(safety.number) : null;

  return (
    <div className="info-panel" data-testid="direct-info">
      <div className="info-head">
        <Avatar userId={peer.id} name={peer.displayName} size="lg" />
        <h3>{peer.displayName}</h3>
        <p className="muted">@{peer.username}</p>
      </div>

      <h4 className="info-section">{t('safety.title')}</h4>
      <p className="field-hint">{t('safety.explain', { name: peer.displayName })}</p>
      {error ? (
        <p className="form-error" role="alert" data-testid="safety-error">
          {t('safety.failed', { reason: t(errorKey(error)) })}
        </p>
      ) : null}
      {safety?.changed ? (
        <p className="warning" role="alert" data-testid="safety-changed">
          {t('safety.changed', { name: peer.displayName })}
        </p>
      ) : null}
      {safety && groups ? (
        <>
          <div className="safety-number" data-testid="safety-number" data-digits={groups.join('')}>
            {safetyNumberRows(groups).map((row) => (
              <div className="safety-row" key={row.join('')}>
                {row.map((g, i) => (
                  <span key={i}>{g}</span>
                ))}
              </div>
            ))}
          </div>
          {safety.verified && !safety.changed ? (
            <p className="verified" data-testid="safety-verified">
              ✓ {t('safety.verified', { name: peer.displayName })}
            </p>
          ) : (
            <button type="button" className="button button--primary" data-testid="safety-verify" onClick={verify} disabled={busy}>
              {busy ? <span className="spinner spinner--small" aria-hidden="true" /> : null}
              {t('safety.markVerified')}
            </button>
          )}
        </>
      ) : safety ? (
        <p className="form-error" role="alert">
          {t('safety.malformed')}
        </p>
      ) : !error ? (
        <p className="muted">
          <span className="spinner spinner--small" aria-hidden="true" /> {t('common.loading')}
        </p>
      ) : null}

      <div className="info-actions">
        {blockError ? (
          <p className="form-error" role="alert">
            {t(errorKey(blockError))}
          </p>
        ) : null}
        {blocked ? (
          <>
            <p className="muted" data-testid="direct-blocked">
              {t('friends.blockedNamed', { name: peer.displayName })}
            </p>
            <button type="button" className="button" data-testid="direct-unblock" onClick={unblock}>
              {t('friends.unblock')}
            </button>
          </>
        ) : (
          <button type="button" className="button button--danger-quiet" data-testid="direct-block" onClick={() => setBlocking(true)}>
            {t('friends.block')}
          </button>
        )}
      </div>
      {blocking ? (
        <ConfirmDialog
          title={t('friends.block.title', { name: peer.displayName })}
          body={t('friends.block.body', { name: peer.displayName })}
          confirmLabel={t('friends.block')}
          onConfirm={async () => {
            await client.social.block(peer.username);
            onSocialChanged();
          }}
          onClose={() => setBlocking(false)}
        />
      ) : null}
    </div>
  );
}
