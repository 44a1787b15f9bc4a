import type { AgendaItemInput, HandKind, PanelVerdict, QueueRule, ResponseStatus, Role, Settings, SettingsPatch } from './domain.js';
import type { AgreementLevel, AgreementRule, RecommendationText, TextField } from './drafting.js';

/** Who caused an event. System events come from the server's clock (turn and agenda timers). */
export type Actor = { kind: 'participant'; participantId: string; role: Role } | { kind: 'system' } | { kind: 'operator' };

export type TurnEndReason = 'yielded' | 'ended-by-facilitator' | 'expired' | 'speaking-revoked' | 'moved' | 'removed' | 'recalled';

export type HandLoweredReason = 'self' | 'facilitator' | 'given-floor' | 'speaking-revoked' | 'moved' | 'removed';

/**
 * Every change to a session, as it is stored in the log. Payloads carry the decision
 * (including anything random, like a shuffle) so that replay is deterministic.
 */
export type EventBody =
  | {
      type: 'session.created';
      payload: {
        title: string;
        question: string;
        agenda: (AgendaItemInput & { id: string })[];
        settings: Settings;
        /** SHA-256 of each role's invite token; the tokens themselves are never stored. */
        inviteHashes: Record<Role, string>;
      };
    }
  | { type: 'session.closed'; payload: Record<string, never> }
  | { type: 'settings.updated'; payload: { patch: SettingsPatch } }
  | { type: 'invite.rotated'; payload: { role: Role; inviteHash: string } }
  | {
      type: 'participant.joined';
      payload: {
        participantId: string;
        role: Role;
        /**
         * SHA-256 of the RFC 8785 JSON of the event's `personal` data: the chain vouches for
         * the name while it exists, and the salt keeps a guessed name from matching once it is erased.
         */
        nameCommitment?: string;
        /** Logs written before personal data left the chain (reducer version 7 and earlier) carry the name here. */
        displayName?: string;
        credentialHash: string;
        roomId: string;
      };
    }
  /** Participants' personal data (their display names) was erased, on request or at the end of the retention period. */
  | { type: 'personal-data.erased'; payload: { participantIds: string[]; reason: 'request' | 'retention' } }
  | { type: 'participant.removed'; payload: { participantId: string } }
  | { type: 'participant.speaking-revoked'; payload: { participantId: string } }
  | { type: 'participant.speaking-restored'; payload: { participantId: string } }
  | { type: 'agenda.item-started'; payload: { itemId: string; deadline: number } }
  | { type: 'agenda.item-extended'; payload: { itemId: string; minutes: number; deadline: number } }
  | { type: 'agenda.item-overran'; payload: { itemId: string } }
  | { type: 'agenda.item-completed'; payload: { itemId: string } }
  | { type: 'rooms.created'; payload: { rooms: { roomId: string; name: string }[] } }
  | { type: 'rooms.assigned'; payload: { assignments: Record<string, string>; shuffled: boolean } }
  | { type: 'rooms.recalled'; payload: { roomIds: string[] } }
  /** rule null: the room follows the session's rule again. */
  | { type: 'queue.rule-set'; payload: { roomId: string; rule: QueueRule | null } }
  /** The facilitator closed or reopened the list of speakers: while closed, only a point of order can be raised. */
  | { type: 'queue.open-set'; payload: { roomId: string; open: boolean } }
  | { type: 'queue.hand-raised'; payload: { roomId: string; participantId: string; kind: HandKind } }
  | { type: 'queue.hand-lowered'; payload: { roomId: string; participantId: string; reason: HandLoweredReason } }
  | { type: 'queue.moved'; payload: { roomId: string; participantId: string; position: number } }
  | { type: 'queue.cleared'; payload: { roomId: string } }
  | { type: 'floor.granted'; payload: { roomId: string; participantId: string; endsAt: number; warnAt: number } }
  | { type: 'floor.warned'; payload: { roomId: string; participantId: string } }
  | { type: 'floor.overran'; payload: { roomId: string; participantId: string } }
  | {
      type: 'floor.ended';
      payload: { roomId: string; participantId: string; endedAt: number; reason: TurnEndReason };
    }
  | {
      type: 'qa.asked';
      payload: { roomId: string; questionId: string; authorId: string; anonymous: boolean; text: string; approved: boolean };
    }
  | { type: 'qa.upvoted'; payload: { questionId: string; participantId: string } }
  | { type: 'qa.unvoted'; payload: { questionId: string; participantId: string } }
  | { type: 'qa.status-set'; payload: { questionId: string; status: 'approved' | 'live' | 'answered' | 'hidden' } }
  | { type: 'drafting.opened'; payload: { roomId: string } }
  | { type: 'drafting.closed'; payload: { roomId: string } }
  | { type: 'drafting.locked'; payload: { roomId: string } }
  | { type: 'drafting.unlocked'; payload: { roomId: string } }
  | {
      type: 'round.opened';
      payload: {
        roundId: string;
        roomId: string;
        rule: AgreementRule;
        items: { recommendationId: string; text: RecommendationText; textHash: string }[];
        /** When the server closes the round by itself (absent in logs from before deadlines: none). */
        closesAt?: number | null;
      };
    }
  /** A text taken out of an open round: it goes back to drafting, its ratings judge nothing. */
  | { type: 'round.withdrawn'; payload: { roundId: string; recommendationId: string } }
  /** An open round called off: it decides nothing, and all its texts go back to drafting. */
  | { type: 'round.cancelled'; payload: { roundId: string } }
  /** A breakout room's recommendations copied into another room's document (the plenary), each under a new id, with its origin. */
  | {
      type: 'drafting.brought-back';
      payload: {
        fromRoomId: string;
        toRoomId: string;
        /** sourceHash: the text's hash in the breakout room (its id there); textHash: the copy's, under its new id. */
        items: { sourceId: string; sourceHash: string; recommendationId: string; text: RecommendationText; textHash: string }[];
      };
    }
  /** What the room decided, in the facilitator's words, after the round ended; replaces an earlier statement. */
  | { type: 'round.statement-set'; payload: { roundId: string; text: string } }
  | {
      type: 'round.rated';
      payload: { roundId: string; recommendationId: string; participantId: string; level: AgreementLevel; reason: string | null };
    }
  /** currentHashes: each item's text hash in the document at closing (null: it was deleted). */
  | { type: 'round.closed'; payload: { roundId: string; currentHashes: Record<string, string | null> } }
  | {
      type: 'recommendation.locked';
      payload: { roomId: string; recommendationId: string; roundId: string; textHash: string; text: RecommendationText };
    }
  | {
      type: 'amendment.decided';
      payload: {
        roomId: string;
        amendmentId: string;
        recommendationId: string;
        field: TextField;
        decision: 'accepted' | 'rejected';
        text: string;
        previousText: string;
      };
    }
  /** An official's answer to an agreed recommendation; a later answer supersedes it and the earlier one stays in the record. */
  | {
      type: 'response.given';
      payload: {
        roomId: string;
        recommendationId: string;
        status: ResponseStatus;
        reason: string | null;
        dueDate: string | null;
      };
    }
  | { type: 'response.progressed'; payload: { roomId: string; recommendationId: string; text: string } }
  /** A citizen's verdict on the answer given at `answeredAt`; it replaces their earlier verdict on that answer. */
  | {
      type: 'response.assessed';
      payload: { roomId: string; recommendationId: string; participantId: string; answeredAt: number; verdict: PanelVerdict; reason: string | null };
    }
  /** The server's clock: the current answer's due date ended (UTC) with no progress reported since the answer. Once per answer. */
  | { type: 'response.overdue'; payload: { roomId: string; recommendationId: string; dueDate: string } }
  /** The outcome as of the log at headSeq was frozen and sent out; the export is rebuilt from that prefix. */
  | { type: 'outcome.published'; payload: { number: number; headSeq: number; headHash: string } }
  /** The facilitator published (or withdrew) the public page: anyone with the link reads the outcome as it stands. */
  | { type: 'public-page.set'; payload: { published: boolean } }
  /** Open mic: in this room everyone may speak without the floor (the audio adapter enforces it). */
  | { type: 'audio.open-mic-set'; payload: { roomId: string; open: boolean } }
  /** A facilitator closed a participant's microphone: silent until given the floor again (the audio adapter enforces it). */
  | { type: 'audio.muted'; payload: { participantId: string } }
  /** A participant captions a room, in a language (null: the floor's own). Replaces an earlier assignment of theirs. */
  | { type: 'captioner.assigned'; payload: { participantId: string; roomId: string; language: string | null } }
  | { type: 'captioner.revoked'; payload: { participantId: string } }
  /** Whether the room's captioners may write while nobody holds the floor. */
  | { type: 'caption.without-floor-set'; payload: { roomId: string; allowed: boolean } }
  /** A committed caption line. speakerId: who held the floor (null: nobody); automatic: from a speech recogniser. */
  | {
      type: 'caption.added';
      payload: {
        roomId: string;
        segmentId: string;
        language: string | null;
        speakerId: string | null;
        text: string;
        automatic: boolean;
        startedAt: number;
        endedAt: number;
      };
    }
  /** A correction of a segment's text; the original and every earlier correction stay in the record. */
  | { type: 'caption.corrected'; payload: { segmentId: string; text: string } }
  /** A facilitator made a participant the interpreter of a room into a language: they may speak into that channel while the floor is held. */
  | { type: 'interpreter.assigned'; payload: { participantId: string; roomId: string; language: string } }
  | { type: 'interpreter.revoked'; payload: { participantId: string } };

export type EventType = EventBody['type'];

/**
 * Personal data an event refers to, kept beside it and never hashed into the chain, so
 * that it can be erased without breaking the chain or any signature (docs/PRIVACY.md).
 * Stores keep it apart from the event and attach it when they read the event back.
 */
export interface PersonalData {
  displayName: string;
  /** Random, erased with the name: without it the commitment in the event reveals nothing. */
  salt: string;
}

/** An event as the decider produces it, before the log gives it a place. */
export type EventDraft = EventBody & { personal?: PersonalData };

/** An event as stored: its place in the chain, its time and who caused it. */
export type SessionEvent = EventBody & {
  sessionId: string;
  seq: number;
  at: number;
  actor: Actor;
  prevHash: string;
  hash: string;
  /** Absent when erased, and in the log as downloaded: see PersonalData. */
  personal?: PersonalData;
};
