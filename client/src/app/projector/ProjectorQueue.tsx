import { useTranslation } from 'react-i18next';
import type { QueueEntryView, RoomView } from '../../../../shared/src/index.js';
import { reasonText } from '../components/queueWords';
import { personName } from '../i18n';

/** How many of the queue the hall sees by name: enough to get ready, few enough to read from the back. */
export const NEXT_SHOWN = 5;

/** The next speakers in order, each with the reason for their place (the reasons are public, as on every citizen's screen). */
export function ProjectorQueue({ room }: { room: RoomView }) {
  const { t } = useTranslation();
  const next = room.queue.slice(0, NEXT_SHOWN);
  const more = room.queue.length - next.length;
  return (
    <section className="projector-queue" aria-labelledby="projector-queue-heading">
      <h2 id="projector-queue-heading" className="projector-label">
        {t('projector.queueHeading')}
      </h2>
      {!room.queueOpen && (
        <p className="projector-closed" data-testid="projector-list-closed">
          {t('projector.listClosed')}
        </p>
      )}
      {next.length === 0 ? (
        <p className="projector-muted" data-testid="projector-queue-empty">
          {t('projector.queueEmpty')}
        </p>
      ) : (
        <ol className="projector-next" data-testid="projector-next">
          {next.map((entry) => (
            <NextSpeaker key={entry.participantId} entry={entry} />
          ))}
        </ol>
      )}
      {more > 0 && (
        <p className="projector-more" data-testid="projector-more">
          {t('projector.more', { count: more })}
        </p>
      )}
    </section>
  );
}

function NextSpeaker({ entry }: { entry: QueueEntryView }) {
  const { t } = useTranslation();
  // A point of order or direct reply says so in its reason already, unless the facilitator placed it by hand.
  const kindShown = entry.kind !== 'normal' && entry.reason.code !== entry.kind;
  return (
    <li className="projector-entry" data-testid="projector-entry">
      <span className="projector-position">{entry.position}</span>
      <div>
        <p className="projector-entry-name">
          {personName(entry.displayName)}
          {kindShown && (
            <>
              {' '}
              <span className="projector-kind">{t(`kinds.${entry.kind}`)}</span>
            </>
          )}
        </p>
        <p className="projector-reason">{reasonText(t, entry.reason, false)}</p>
      </div>
    </li>
  );
}
