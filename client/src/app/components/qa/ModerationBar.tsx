import { useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { MAX_BULK_QUESTIONS } from '../../../../../shared/src/commands.js';
import type { QuestionView } from '../../../../../shared/src/index.js';
import { useSession } from '../../session/context';
import { bulkChanges } from './questionOrder';

interface Props {
  /** Every question in the list as filtered and searched, shown or behind "show more". */
  listed: readonly QuestionView[];
  selected: ReadonlySet<string>;
  select: (ids: readonly string[], on: boolean) => void;
}

/**
 * Ticking questions and acting on all of them at once: what makes a few hundred questions
 * waiting for approval manageable. Each button names how many questions it would change
 * (approving leaves the live and answered ones as they are, as the server does).
 */
export function ModerationBar({ listed, selected, select }: Props) {
  const { t } = useTranslation();
  const { run, snapshot } = useSession();
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState('');
  const allRef = useRef<HTMLInputElement>(null);
  const allId = useId();
  const ticked = listed.filter((q) => selected.has(q.id));
  const toApprove = ticked.filter((q) => bulkChanges('approved', q)).map((q) => q.id);
  const toHide = ticked.filter((q) => bulkChanges('hidden', q)).map((q) => q.id);
  const all = listed.length > 0 && ticked.length === listed.length;
  const some = ticked.length > 0 && !all;
  const disabled = busy || snapshot.status !== 'connected' || snapshot.view?.closed === true;

  // "Some ticked" has no HTML attribute; it is a property of the element.
  useEffect(() => {
    if (allRef.current) allRef.current.indeterminate = some;
  }, [some]);

  const apply = async (status: 'approved' | 'hidden', ids: string[]) => {
    if (disabled || ids.length === 0) return;
    setBusy(true);
    setDone('');
    let changed = 0;
    try {
      // More than one command takes goes as several, one after the other; each is all or nothing,
      // and what went through is unticked, so after a refusal what remains ticked is what did not.
      for (let i = 0; i < ids.length; i += MAX_BULK_QUESTIONS) {
        const batch = ids.slice(i, i + MAX_BULK_QUESTIONS);
        const ack = await run('qa.moderateMany', { questionIds: batch, status });
        if (!ack.ok) break;
        changed += (ack.result as { changed: number }).changed;
        select(batch, false);
      }
    } finally {
      setBusy(false);
    }
    if (changed > 0) setDone(t(status === 'approved' ? 'qa.bulk.approvedDone' : 'qa.bulk.hiddenDone', { count: changed }));
  };

  return (
    <div className="qa-bulk" role="group" aria-label={t('qa.bulk.label')}>
      <div className="check">
        <input
          ref={allRef}
          id={allId}
          type="checkbox"
          checked={all}
          disabled={listed.length === 0}
          onChange={() =>
            select(
              listed.map((q) => q.id),
              !all,
            )
          }
        />
        <label htmlFor={allId}>{t('qa.bulk.selectAll', { count: listed.length })}</label>
      </div>
      {/* aria-disabled, not disabled: a button that has just done its work (and now counts 0) keeps the focus, so a keyboard user is not sent back to the top of the page. */}
      <div className="controls">
        <button type="button" className="primary" aria-disabled={disabled || toApprove.length === 0} onClick={() => void apply('approved', toApprove)}>
          {t('qa.bulk.approve', { count: toApprove.length })}
        </button>
        <button type="button" className="danger" aria-disabled={disabled || toHide.length === 0} onClick={() => void apply('hidden', toHide)}>
          {t('qa.bulk.hide', { count: toHide.length })}
        </button>
        {ticked.length > 0 && (
          <button
            type="button"
            onClick={() => {
              select(
                listed.map((q) => q.id),
                false,
              );
              // This button goes away with the selection: the focus goes to where selecting starts again.
              allRef.current?.focus();
            }}
          >
            {t('qa.bulk.clear', { count: ticked.length })}
          </button>
        )}
      </div>
      <p className="hint" role="status" data-testid="qa-bulk-done">
        {done}
      </p>
    </div>
  );
}
