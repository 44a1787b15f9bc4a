import { Deferred, lazyPart } from '../components/Deferred';
import { loadConsoleLayout, loadParticipantLayout } from './lazyPages';

/**
 * The two faces of the session page, each fetched when someone needs it: a citizen's
 * phone never downloads the facilitator's console. Same names and props as the
 * layouts themselves, so the session page renders them as it always did.
 */
const LazyConsoleLayout = lazyPart(loadConsoleLayout);
const LazyParticipantLayout = lazyPart(loadParticipantLayout);

export function ConsoleLayout() {
  return (
    <Deferred className="page narrow">
      <LazyConsoleLayout />
    </Deferred>
  );
}

export function ParticipantLayout() {
  return (
    <Deferred className="page narrow">
      <LazyParticipantLayout />
    </Deferred>
  );
}
