import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { AgendaPanel } from '../components/AgendaPanel';
import { AudioPanel } from '../components/AudioPanel';
import { BreakoutPanel } from '../components/BreakoutPanel';
import { DraftingPanel } from '../components/DraftingPanel';
import { FloorPanel } from '../components/FloorPanel';
import { PanelCaptions } from '../components/captions/CaptionRegion';
import { LiveAnnouncer } from '../components/LiveAnnouncer';
import { OutcomeDeliveryPanel } from '../components/OutcomeDeliveryPanel';
import { PublicPagePanel } from './PublicPagePanel';
import { PanelFeedbackPanel } from '../components/panelFeedback/PanelFeedbackPanel';
import { ParticipantsPanel } from '../components/ParticipantsPanel';
import { QAPanel } from '../components/QAPanel';
import { QueuePanel } from '../components/QueuePanel';
import { RoomPickProvider } from '../components/roomPick';
import { SessionHeader } from '../components/SessionHeader';
import { SpeakingTimeChart } from '../components/SpeakingTimeChart';
import { useSession } from '../session/context';
import { ConsoleTabs, panelId, tabId } from './ConsoleTabs';
import { type ConsoleTab, rememberTab, rememberedTab } from './consoleTabs';
import { LiveMicsProvider } from './liveMics';
import { EndSessionPanel } from './EndSessionPanel';
import { InvitesPanel } from './InvitesPanel';
import { LiveStrip, waitingQuestions } from './LiveStrip';
import { ProjectorLink } from './ProjectorLink';
import { SettingsPanel } from './SettingsPanel';

/**
 * The facilitator's console: a strip that always shows the floor, who is next and the
 * clock, then one area at a time (floor and queue, questions, drafting and votes,
 * people, outcome, the session itself) so that no area is 50 screens down a page.
 */
export function ConsoleLayout() {
  const { t } = useTranslation();
  const { snapshot } = useSession();
  const view = snapshot.view!;
  const sessionId = view.sessionId;
  const [tab, setTab] = useState<ConsoleTab>(() => (view.closed && rememberedTab(sessionId) === 'floor' ? 'outcome' : rememberedTab(sessionId)));
  const select = (next: ConsoleTab) => {
    setTab(next);
    rememberTab(sessionId, next);
  };
  const waiting = waitingQuestions(view);
  return (
    <LiveMicsProvider>
      <RoomPickProvider>
        <div className="page session role-facilitator console">
          <SessionHeader />
          <p className="console-question" data-testid="console-question">
            <span className="live-label">{t('session.questionHeading')}:</span> {view.question}
          </p>
          <LiveStrip withActions={tab !== 'floor'} />
          <ConsoleTabs
            current={tab}
            onSelect={select}
            badges={{
              questions: waiting > 0 ? t('console.badgeWaiting', { count: waiting }) : undefined,
              people: snapshot.presence ? String(snapshot.presence.members) : undefined,
            }}
          />
          <div className="console-panel" role="tabpanel" id={panelId(tab)} aria-labelledby={tabId(tab)} data-testid={`console-panel-${tab}`}>
            <TabContent tab={tab} />
          </div>
          <LiveAnnouncer />
        </div>
      </RoomPickProvider>
    </LiveMicsProvider>
  );
}

function TabContent({ tab }: { tab: ConsoleTab }) {
  switch (tab) {
    case 'floor':
      return (
        <div className="columns">
          <div className="column">
            <FloorPanel />
            <PanelCaptions />
            <QueuePanel />
          </div>
          <div className="column">
            <AgendaPanel />
            <AudioPanel />
          </div>
        </div>
      );
    case 'questions':
      return <QAPanel />;
    case 'drafting':
      return <DraftingPanel />;
    case 'people':
      return (
        <div className="columns">
          <div className="column">
            <ParticipantsPanel />
          </div>
          <div className="column">
            <BreakoutPanel />
            <SpeakingTimeChart />
          </div>
        </div>
      );
    case 'outcome':
      return (
        <>
          <OutcomeDeliveryPanel />
          <PublicPagePanel />
          <PanelFeedbackPanel />
        </>
      );
    case 'session':
      return <SessionTab />;
  }
}

function SessionTab() {
  const { t } = useTranslation();
  const { snapshot } = useSession();
  return (
    <div className="console-session-panels">
      <section className="panel" aria-labelledby="question-heading">
        <h2 id="question-heading">{t('session.questionHeading')}</h2>
        <p className="session-question">{snapshot.view!.question}</p>
        <ProjectorLink />
      </section>
      <InvitesPanel />
      <SettingsPanel />
      <EndSessionPanel />
    </div>
  );
}
