import { z } from 'zod';
import { OUTCOME_VERSION, outcomeDocumentSchema } from '../../../shared/src/index.js';

/** The published JSON Schema of the export, derived from the zod schema so the two cannot disagree. */
export function outcomeJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(outcomeDocumentSchema, { target: 'draft-2020-12' }),
    $id: `https://townhall.example/schemas/outcome-v${OUTCOME_VERSION}.schema.json`,
    title: `Townhall outcome export, version ${OUTCOME_VERSION}`,
    description:
      'The signed outcome of a townhall session: agreed and not-agreed recommendations with their exact text and hash, the agenda as it ran, pseudonymised participation and ratings (no personal names: citizens, raters and officials appear under pseudonyms), Q&A, rooms, officials’ responses, and an Ed25519 signature over the RFC 8785 canonical JSON of everything but the signature.',
  };
}
