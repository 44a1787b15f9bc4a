import { useTranslation } from 'react-i18next';
import type { RoomView } from '../../../../shared/src/index.js';
import { isolate } from '../i18n';

/**
 * The question put live, and only that one. A facilitator's view also lists questions
 * awaiting moderation and hidden ones; picking the live one by its status is what keeps
 * those off the screen (the server allows one live question per room).
 */
export function ProjectorLiveQuestion({ room }: { room: RoomView }) {
  const { t } = useTranslation();
  const live = room.questions.find((q) => q.status === 'live');
  if (!live) return null;
  return (
    <section className="projector-live" aria-labelledby="projector-live-heading" data-testid="projector-live-question">
      <h2 id="projector-live-heading" className="projector-label">
        {t('projector.liveHeading')}
      </h2>
      <p className="projector-live-text" dir="auto">
        {live.text}
      </p>
      <p className="projector-live-meta">
        {live.authorName === null ? t('projector.askedAnonymously') : t('projector.askedBy', { name: isolate(live.authorName) })} ·{' '}
        {t('projector.upvotes', { count: live.upvotes })}
      </p>
    </section>
  );
}
