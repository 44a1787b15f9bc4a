import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ParticipantStatsView, Role } from '../../../../shared/src/index.js';
import { ListTools } from './ListTools';
import { matchesQuery } from './searchText';
import { VirtualList } from './VirtualList';
import { isolate, personName, plainPersonName } from '../i18n';
import { useAction, useSession } from '../session/context';
import { InterpreterBadge, InterpreterControl } from '../interpretation/InterpreterControl';

type PeopleSort = 'name' | 'joined' | 'speaking' | 'online';
type RoleFilter = 'all' | Role;
const ROLE_FILTERS: readonly Role[] = ['citizen', 'facilitator', 'observer', 'official'];

/** Who comes first for each sort: the order a facilitator scans for. */
const SORTS: Record<PeopleSort, (a: ParticipantStatsView, b: ParticipantStatsView) => number> = {
  name: (a, b) => a.displayName.localeCompare(b.displayName),
  // The view lists people in the order they joined.
  joined: () => 0,
  speaking: (a, b) => b.speakingMs - a.speakingMs || b.turns - a.turns,
  online: (a, b) => Number(b.online) - Number(a.online),
};

/**
 * Facilitator: everyone in the session with role, room and online state; a citizen's
 * right to speak can be withdrawn and restored, and anyone but a facilitator removed, after
 * a second, explicit "Confirm removal" (no window.confirm: it is not styled, not
 * translated by the app and blocks the page).
 * Hundreds of people: searched, filtered by role, sorted, and drawn a window at a time.
 */
export function ParticipantsPanel() {
  const { t } = useTranslation();
  const { snapshot } = useSession();
  const view = snapshot.view!;
  const me = snapshot.me!;
  const people = view.participants ?? [];
  const [query, setQuery] = useState('');
  const [sort, setSort] = useState<PeopleSort>('name');
  const [role, setRole] = useState<RoleFilter>('all');
  const roleId = useId();
  const roomName = (id: string) => view.roomDirectory.find((r) => r.id === id)?.name ?? view.rooms.find((r) => r.id === id)?.name ?? id;
  const shown = useMemo(
    () => people.filter((p) => (role === 'all' || p.role === role) && matchesQuery(p.displayName, query)).sort(SORTS[sort]),
    [people, role, query, sort],
  );
  return (
    <section className="panel" aria-labelledby="participants-heading" data-testid="participants">
      <h2 id="participants-heading">{t('participants.heading')}</h2>
      {people.length === 0 ? (
        <p className="muted">{t('participants.empty')}</p>
      ) : (
        <>
          <ListTools
            query={query}
            onQuery={setQuery}
            searchLabel={t('participants.search')}
            sort={sort}
            onSort={setSort}
            sorts={(['name', 'joined', 'speaking', 'online'] as const).map((value) => ({ value, label: t(`participants.sort.${value}`) }))}
            shown={shown.length}
            total={people.length}
          >
            <span className="inline-field">
              <label htmlFor={roleId}>{t('participants.roleFilter')}</label>
              <select id={roleId} value={role} onChange={(e) => setRole(e.target.value as RoleFilter)}>
                <option value="all">{t('participants.allRoles')}</option>
                {ROLE_FILTERS.map((r) => (
                  <option key={r} value={r}>
                    {t(`participants.roleOption.${r}`)}
                  </option>
                ))}
              </select>
            </span>
          </ListTools>
          <VirtualList
            className="participants"
            label={t('participants.listLabel')}
            testId="participant-list"
            items={shown}
            keyOf={(p) => p.participantId}
            estimate={120}
            renderItem={(p) => <ParticipantRow p={p} isMe={p.participantId === me.participantId} room={roomName(p.roomId)} />}
          />
        </>
      )}
    </section>
  );
}

function ParticipantRow({ p, isMe, room }: { p: ParticipantStatsView; isMe: boolean; room: string }) {
  const { t } = useTranslation();
  const { act, disabled } = useAction();
  const [confirming, setConfirming] = useState(false);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const removeRef = useRef<HTMLButtonElement>(null);
  const returnFocus = useRef(false);
  const plainName = plainPersonName(p.displayName);
  const questionId = `remove-question-${p.participantId}`;

  useEffect(() => {
    if (confirming) confirmRef.current?.focus();
    else if (returnFocus.current) {
      returnFocus.current = false;
      removeRef.current?.focus();
    }
  }, [confirming]);

  const cancel = () => {
    returnFocus.current = true;
    setConfirming(false);
  };

  return (
    <div className="participant" data-testid="participant" data-participant-id={p.participantId}>
      <div>
        <span className="participant-name">
          {personName(p.displayName)} {isMe && t('participants.you')}
        </span>{' '}
        <span className={p.online ? 'tag live' : 'tag'}>{p.online ? t('participants.online') : t('participants.offline')}</span>
        {p.captioning && (
          <>
            {' '}
            <span className="tag captioner-badge">{t('captions.badge')}</span>
          </>
        )}
        {p.interpreting && (
          <>
            {' '}
            <InterpreterBadge language={p.interpreting.language} />
          </>
        )}
        <p className="participant-meta">{t('participants.summary', { role: t(`roles.${p.role}`), room: isolate(room) })}</p>
        {p.role === 'citizen' && !p.canSpeak && <p className="participant-revoked">{t('participants.speakingRevoked')}</p>}
      </div>
      {!isMe && (
        <div className="controls">
          {p.role === 'citizen' &&
            (p.canSpeak ? (
              <button
                type="button"
                disabled={disabled}
                aria-label={t('participants.revokeLabel', { name: plainName })}
                onClick={() => void act('participant.revokeSpeaking', { participantId: p.participantId })}
              >
                {t('participants.revoke')}
              </button>
            ) : (
              <button
                type="button"
                disabled={disabled}
                aria-label={t('participants.restoreLabel', { name: plainName })}
                onClick={() => void act('participant.restoreSpeaking', { participantId: p.participantId })}
              >
                {t('participants.restore')}
              </button>
            ))}
          {p.role !== 'facilitator' &&
            (p.captioning ? (
              <button
                type="button"
                disabled={disabled}
                aria-label={t('captions.revokeLabel', { name: plainName })}
                onClick={() => void act('captions.revoke', { participantId: p.participantId })}
              >
                {t('captions.revoke')}
              </button>
            ) : (
              <button
                type="button"
                disabled={disabled}
                aria-label={t('captions.assignLabel', { name: plainName })}
                onClick={() => void act('captions.assign', { participantId: p.participantId, roomId: p.roomId, language: null })}
              >
                {t('captions.assign')}
              </button>
            ))}
          {p.role === 'citizen' && <InterpreterControl p={p} />}
          {/* The server refuses to remove facilitators, so the button is not offered. */}
          {!confirming && p.role !== 'facilitator' && (
            <button
              ref={removeRef}
              type="button"
              className="danger"
              disabled={disabled}
              aria-label={t('participants.removeLabel', { name: plainName })}
              onClick={() => setConfirming(true)}
            >
              {t('participants.remove')}
            </button>
          )}
        </div>
      )}
      {!isMe && confirming && (
        <div
          className="confirm callout warn"
          role="group"
          aria-labelledby={questionId}
          onKeyDown={(e) => {
            if (e.key === 'Escape') cancel();
          }}
        >
          <p id={questionId}>{t('participants.confirmQuestion', { name: personName(p.displayName) })}</p>
          <div className="controls">
            <button
              ref={confirmRef}
              type="button"
              className="danger"
              disabled={disabled}
              aria-label={t('participants.confirmLabel', { name: plainName })}
              onClick={() => void act('participant.remove', { participantId: p.participantId })}
            >
              {t('participants.confirm')}
            </button>
            <button type="button" disabled={disabled} aria-label={t('participants.cancelLabel', { name: plainName })} onClick={cancel}>
              {t('participants.cancel')}
            </button>
          </div>
        </div>
      )}
    </div>
  );
}
