import { useTranslation } from 'react-i18next';
import { AgendaPanel } from '../components/AgendaPanel';
import { AnswersPanel } from '../components/AnswersPanel';
import { AudioPanel } from '../components/AudioPanel';
import { MyRoom } from '../components/BreakoutPanel';
import { MyCaptions } from '../components/captions/CaptionRegion';
import { DraftingPanel, useDraftingRoom } from '../components/DraftingPanel';
import { FloorPanel } from '../components/FloorPanel';
import { LiveAnnouncer } from '../components/LiveAnnouncer';
import { OutcomePanel } from '../components/OutcomePanel';
import { QAPanel } from '../components/QAPanel';
import { QueuePanel } from '../components/QueuePanel';
import { RoomPickProvider } from '../components/roomPick';
import { RoundsPanel } from '../components/RoundsPanel';
import { SessionHeader } from '../components/SessionHeader';
import { useSession } from '../session/context';
import { StatusBar } from './StatusBar';

/**
 * The session as a citizen, an observer or an official sees it, phone first: the
 * citizen's status bar (sticky), then the floor and the queue, the vote, the questions,
 * the agenda, and the drafting. On a wide screen the same order runs in two columns.
 */
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
      <StatusBar />
      <MyCaptions />
      <MyRoom />
      <section className="panel intro" aria-labelledby="question-heading">
        <h2 id="question-heading">{t('session.questionHeading')}</h2>
        <p className="session-question">{view.question}</p>
      </section>
      {/* Once the session is over, the outcome and what becomes of it is what people come back for. */}
      {view.closed && outcome}
      <div className="columns">
        <div className="column">
          <RoomPickProvider>
            <FloorPanel />
            <AudioPanel />
            <QueuePanel />
          </RoomPickProvider>
        </div>
        <div className="column">
          <Rounds />
          <QAPanel />
          <AgendaPanel />
        </div>
      </div>
      {!view.closed && outcome}
      <DraftingPanel withRounds={false} />
      <LiveAnnouncer />
    </div>
  );
}

/** The agreement rounds of the room this person drafts in, near the top: voting is what most people come to do. */
function Rounds() {
  const { room } = useDraftingRoom();
  return room ? <RoundsPanel room={room} doc={null} /> : null;
}
