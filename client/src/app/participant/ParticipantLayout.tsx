import { useTranslation } from 'react-i18next';
import { AgendaPanel } from '../components/AgendaPanel';
import { AnswersPanel } from '../components/AnswersPanel';
import { AudioPanel } from '../components/AudioPanel';
import { MyRoom } from '../components/BreakoutPanel';
import { DraftingPanel } from '../components/DraftingPanel';
import { FloorPanel } from '../components/FloorPanel';
import { LiveAnnouncer } from '../components/LiveAnnouncer';
import { OutcomePanel } from '../components/OutcomePanel';
import { QAPanel } from '../components/QAPanel';
import { QueuePanel } from '../components/QueuePanel';
import { RoomPickProvider } from '../components/roomPick';
import { SessionHeader } from '../components/SessionHeader';
import { useSession } from '../session/context';

/** The session as a citizen, an observer or an official sees it. */
export function ParticipantLayout() {
  const { t } = useTranslation();
  const { snapshot } = useSession();
  const view = snapshot.view!;
  const role = snapshot.me!.role;
  const outcome = (
    <>
      {(role === 'official' || role === 'observer') && <OutcomePanel />}
      {(role === 'citizen' || role === 'observer') && <AnswersPanel />}
    </>
  );
  return (
    <div className={`page session role-${role}`}>
      <SessionHeader />
      <MyRoom />
      <section className="panel intro" aria-labelledby="question-heading">
        <h2 id="question-heading">{t('session.questionHeading')}</h2>
        <p className="session-question">{view.question}</p>
      </section>
      {/* Once the session is over, the outcome and what becomes of it is what people come back for. */}
      {view.closed && outcome}
      <div className="columns">
        <div className="column">
          <AudioPanel />
          <RoomPickProvider>
            <FloorPanel />
            <QueuePanel />
          </RoomPickProvider>
          <AgendaPanel />
        </div>
        <div className="column">
          <QAPanel />
        </div>
      </div>
      {!view.closed && outcome}
      <DraftingPanel />
      <LiveAnnouncer />
    </div>
  );
}
