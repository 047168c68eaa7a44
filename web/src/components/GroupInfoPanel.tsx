// A group's info panel: its name (renamable by admins and the owner), the members with their
// roles, and the actions each role allows. Every change goes through the signed membership log.
import type { GroupInfo, GroupRole, MekongClient } from '@mekong/client-core';
import { type FormEvent, useState } from 'react';
import { errorCode, errorKey } from '../errors';
import { useGroup } from '../hooks/useGroup';
import { type MessageKey, useT } from '../i18n';
import { parseUsernames } from '../members';
import { groupPermissions, memberActions, sortMembers } from '../roles';
import { Avatar } from './Avatar';
import { ConfirmDialog } from './ConfirmDialog';

interface Props {
  client: MekongClient;
  group: GroupInfo;
  selfId: string;
  /** Usernames offered when adding someone (friends not yet in the group). */
  friendUsernames: string[];
  /** The group is no longer followed on this device (left or disbanded). */
  onGone(): void;
}

type Member = GroupInfo['members'][number];

type Pending =
  | { kind: 'remove'; member: Member }
  | { kind: 'role'; member: Member; role: GroupRole }
  | { kind: 'leave' }
  | { kind: 'disband' };

export const ROLE_KEYS: Record<GroupRole, MessageKey> = { owner: 'role.owner', admin: 'role.admin', member: 'role.member' };

export function GroupInfoPanel({ client, group: listed, selfId, friendUsernames, onGone }: Props) {
  const t = useT();
  const group = useGroup(client, listed);
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState<Pending | null>(null);
  const [renaming, setRenaming] = useState(false);
  const [newName, setNewName] = useState(group.name);
  const [adding, setAdding] = useState('');
  const [addError, setAddError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const perms = groupPermissions(group.role);
  const members = sortMembers(group.members);
  const label = (m: Member) => m.displayName || (m.username ? `@${m.username}` : '…');

  const run = async (what: MessageKey, action: () => Promise<unknown>) => {
    setError(null);
    setBusy(true);
    try {
      await action();
    } catch (err) {
      setError(t(what, { reason: t(errorKey(err)) }));
    } finally {
      setBusy(false);
    }
  };

  const rename = (e: FormEvent) => {
    e.preventDefault();
    const name = newName.trim();
    if (!name) return setError(t('group.nameRequired'));
    if (name === group.name) return setRenaming(false);
    void run('group.renameFailed', async () => {
      await client.updateGroup(group.id, { name });
      setRenaming(false);
    });
  };

  const add = (e: FormEvent) => {
    e.preventDefault();
    const { valid, invalid } = parseUsernames(adding);
    if (invalid.length) return setAddError(t('group.invalidUsernames', { names: invalid.join(', ') }));
    const fresh = valid.filter((u) => !group.members.some((m) => m.username === u));
    if (!fresh.length) return setAddError(valid.length ? t('group.alreadyMember') : null);
    setAddError(null);
    setBusy(true);
    (async () => {
      try {
        for (const u of fresh) await client.addMember(group.id, u);
        setAdding('');
      } catch (err) {
        setAddError(
          errorCode(err) === 'NOT_FOUND' && fresh.length === 1
            ? t('main.newChat.notFound', { username: fresh[0] ?? '' })
            : t('group.addFailed', { reason: t(errorKey(err)) }),
        );
      } finally {
        setBusy(false);
      }
    })();
  };

  const confirmOf = (p: Pending) => {
    switch (p.kind) {
      case 'remove':
        return {
          title: t('group.remove.title', { name: label(p.member) }),
          body: t('group.remove.body', { name: label(p.member) }),
          confirmLabel: t('group.remove'),
          action: () => client.removeMember(group.id, p.member.username),
        };
      case 'role':
        return {
          title: t('group.handOver.title', { name: label(p.member) }),
          body: t('group.handOver.body', { name: label(p.member) }),
          confirmLabel: t('group.handOver'),
          action: () => client.setRole(group.id, p.member.username, p.role),
        };
      case 'leave':
        return {
          title: t('group.leave.title', { name: group.name }),
          body: t('group.leave.body'),
          confirmLabel: t('group.leave'),
          action: async () => {
            await client.leaveGroup(group.id);
            onGone();
          },
        };
      case 'disband':
        return {
          title: t('group.disband.title', { name: group.name }),
          body: t('group.disband.body'),
          confirmLabel: t('group.disband'),
          action: async () => {
            await client.disbandGroup(group.id);
            onGone();
          },
        };
    }
  };

  const changeRole = (member: Member, role: GroupRole) => {
    if (role === 'owner') return setPending({ kind: 'role', member, role });
    void run('group.roleFailed', () => client.setRole(group.id, member.username, role));
  };

  const dialog = pending ? confirmOf(pending) : null;
  const candidates = friendUsernames.filter((u) => !group.members.some((m) => m.username === u));

  return (
    <div className="info-panel" data-testid="group-info" aria-busy={busy}>
      <div className="info-head">
        <Avatar userId={group.id} name={group.name} size="lg" group />
        {renaming ? (
          <RenameForm value={newName} busy={busy} onChange={setNewName} onSubmit={rename} onCancel={() => setRenaming(false)} />
        ) : (
          <div className="info-title">
            <h3 data-testid="group-info-name">{group.name}</h3>
            {perms.rename ? (
              <button
                type="button"
                className="link-button"
                data-testid="group-rename"
                onClick={() => {
                  setNewName(group.name);
                  setRenaming(true);
                }}
              >
                {t('group.rename')}
              </button>
            ) : null}
          </div>
        )}
        <p className="muted">{t('group.memberCount', { count: group.members.length })}</p>
      </div>

      {error ? (
        <p className="form-error" role="alert" data-testid="group-error">
          {error}
        </p>
      ) : null}

      <h4 className="info-section">{t('group.members')}</h4>
      <ul className="member-list">
        {members.map((m) => (
          <MemberRow
            key={m.id}
            member={m}
            name={label(m)}
            me={m.id === selfId}
            actions={memberActions(group.role, m, selfId)}
            busy={busy}
            onRole={(role) => changeRole(m, role)}
            onRemove={() => setPending({ kind: 'remove', member: m })}
          />
        ))}
      </ul>

      {perms.addMembers ? (
        <form className="stack info-add" onSubmit={add}>
          <label className="field-label" htmlFor="group-add-input">
            {t('group.addMember')}
          </label>
          <div className="new-chat-row">
            <input
              id="group-add-input"
              data-testid="group-add-input"
              list="group-add-friends"
              value={adding}
              onChange={(e) => {
                setAdding(e.target.value);
                setAddError(null);
              }}
              placeholder={t('group.addByUsername.placeholder')}
              autoCapitalize="none"
              autoComplete="off"
              spellCheck={false}
              aria-invalid={Boolean(addError)}
              aria-describedby="group-add-error"
            />
            <datalist id="group-add-friends">
              {candidates.map((u) => (
                <option key={u} value={u} />
              ))}
            </datalist>
            <button type="submit" className="button button--primary" data-testid="group-add-submit" disabled={!adding.trim() || busy}>
              {t('group.add')}
            </button>
          </div>
          {addError ? (
            <p className="field-error" id="group-add-error" data-testid="group-add-error" role="alert">
              {addError}
            </p>
          ) : null}
        </form>
      ) : null}

      <div className="info-actions">
        <button
          type="button"
          className="button button--danger-quiet"
          data-testid="group-leave"
          disabled={!perms.leave || busy}
          aria-describedby={perms.leave ? undefined : 'group-leave-hint'}
          onClick={() => setPending({ kind: 'leave' })}
        >
          {t('group.leave')}
        </button>
        {!perms.leave ? (
          <p className="field-hint" id="group-leave-hint">
            {t('group.leave.ownerHint')}
          </p>
        ) : null}
        {perms.disband ? (
          <button type="button" className="button button--danger" data-testid="group-disband" disabled={busy} onClick={() => setPending({ kind: 'disband' })}>
            {t('group.disband')}
          </button>
        ) : null}
      </div>

      {dialog ? (
        <ConfirmDialog
          title={dialog.title}
          body={dialog.body}
          confirmLabel={dialog.confirmLabel}
          onConfirm={async () => {
            await dialog.action();
          }}
          onClose={() => setPending(null)}
        />
      ) : null}
    </div>
  );
}

interface MemberRowProps {
  member: Member;
  /** How the member is named here (display name, else @username). */
  name: string;
  me: boolean;
  /** What the viewer may do to this member. */
  actions: ReturnType<typeof memberActions>;
  busy: boolean;
  onRole(role: GroupRole): void;
  onRemove(): void;
}

/** One member: avatar, name, role, and the role change and removal the viewer's own role allows. */
function MemberRow({ member: m, name, me, actions, busy, onRole, onRemove }: MemberRowProps) {
  const t = useT();
  return (
    <li className="member" data-testid="group-member" data-username={m.username} data-role={m.role}>
      <Avatar userId={m.id} name={m.displayName || m.username || '?'} size="sm" />
      <span className="person-names">
        <strong>
          {name}
          {me ? ` (${t('group.you')})` : ''}
        </strong>
        <span data-testid="group-member-role" className={`role role--${m.role}`}>
          {t(ROLE_KEYS[m.role])}
        </span>
      </span>
      {(actions.roles.length || actions.remove) && m.username ? (
        <span className="member-actions">
          {actions.roles.length ? (
            <select
              className="role-select"
              data-testid="group-member-role-select"
              aria-label={t('group.changeRole', { name })}
              value=""
              disabled={busy}
              onChange={(e) => e.target.value && onRole(e.target.value as GroupRole)}
            >
              <option value="">{t('group.changeRole.short')}</option>
              {actions.roles.map((r) => (
                <option key={r} value={r}>
                  {t(ROLE_OPTION_KEYS[r])}
                </option>
              ))}
            </select>
          ) : null}
          {actions.remove ? (
            <button
              type="button"
              className="button button--small button--danger-quiet"
              data-testid="group-member-remove"
              aria-label={t('group.removeNamed', { name })}
              disabled={busy}
              onClick={onRemove}
            >
              {t('group.remove')}
            </button>
          ) : null}
        </span>
      ) : null}
    </li>
  );
}

const ROLE_OPTION_KEYS: Record<GroupRole, MessageKey> = { owner: 'group.makeOwner', admin: 'group.makeAdmin', member: 'group.makeMember' };

/** The group's name, being edited. */
function RenameForm({ value, busy, onChange, onSubmit, onCancel }: { value: string; busy: boolean; onChange(v: string): void; onSubmit(e: FormEvent): void; onCancel(): void }) {
  const t = useT();
  return (
    <form className="new-chat-row" onSubmit={onSubmit}>
      <label className="visually-hidden" htmlFor="group-rename-input">
        {t('group.name')}
      </label>
      <input id="group-rename-input" data-testid="group-rename-input" value={value} maxLength={64} onChange={(e) => onChange(e.target.value)} autoFocus />
      <button type="submit" className="button button--primary" data-testid="group-rename-save" disabled={busy}>
        {t('common.save')}
      </button>
      <button type="button" className="button" onClick={onCancel}>
        {t('common.cancel')}
      </button>
    </form>
  );
}
