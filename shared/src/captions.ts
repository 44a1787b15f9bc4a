import { z } from 'zod';
import { line } from './text.js';

/**
 * Live captions: the vocabulary the commands, events, state and views share.
 * A language is a BCP 47 tag; null means the floor's own language (the original).
 */
export const languageSchema = z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, { message: 'must be a language tag such as en or de-AT' });

/** One committed caption line: about what a captioner types in ten seconds of fast speech, with room to spare. */
export const CAPTION_MAX_CHARS = 500;
export const captionTextSchema = line(CAPTION_MAX_CHARS);

/** A line in progress may be empty (the captioner cleared it) and is otherwise held to the same limits. */
export const liveLineTextSchema = z.union([z.literal(''), captionTextSchema]);

/** How many recent segments each room's view carries; older ones are in the transcript of the export. */
export const CAPTIONS_IN_VIEW = 50;

/** A line in progress, pushed to the room as the captioner types (`captions.live`); never logged. text '' clears it. */
export interface LiveCaptionLine {
  roomId: string;
  participantId: string;
  text: string;
  /** Server time of the push. */
  at: number;
}
