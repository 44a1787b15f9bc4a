import { useTranslation } from 'react-i18next';
import { AgendaPanel } from '../components/AgendaPanel';
import { AudioPanel } from '../components/AudioPanel';
import { BreakoutPanel } from '../components/BreakoutPanel';
import { DraftingPanel } from '../components/DraftingPanel';
import { FloorPanel } from '../components/FloorPanel';
import { LiveAnnouncer } from '../components/LiveAnnouncer';
import { OutcomeDeliveryPanel } from '../components/OutcomeDeliveryPanel';
import { ParticipantsPanel } from '../components/ParticipantsPanel';
import { QAPanel } from '../components/QAPanel';
import { QueuePanel } from '../components/QueuePanel';
import { RoomPickProvider } from '../components/roomPick';
import { SessionHeader } from '../components/SessionHeader';
import { SpeakingTimeChart } from '../components/SpeakingTimeChart';
import { useSession } from '../session/context';
import { EndSessionPanel } from './EndSessionPanel';
import { InvitesPanel } from './InvitesPanel';
import { SettingsPanel } from './SettingsPanel';

/** The facilitator's console. */
export function ConsoleLayout() {
  const { t } = useTranslation();
  const { snapshot } = useSession();
  const view = snapshot.view!;
  return (
    <div className="page session role-facilitator">
      <SessionHeader />
      <section className="panel intro" aria-labelledby="question-heading">
        <h2 id="question-heading">{t('session.questionHeading')}</h2>
        <p className="session-question">{view.question}</p>
      </section>
      {view.closed && <OutcomeDeliveryPanel />}
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
          <BreakoutPanel />
          <ParticipantsPanel />
          <SpeakingTimeChart />
          <QAPanel />
        </div>
      </div>
      {!view.closed && <OutcomeDeliveryPanel />}
      <div className="console-session-panels">
        <InvitesPanel />
        <SettingsPanel />
        <EndSessionPanel />
      </div>
      <DraftingPanel />
      <LiveAnnouncer />
    </div>
  );
}
