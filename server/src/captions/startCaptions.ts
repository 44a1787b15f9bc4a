import type { Logger } from 'pino';
import type { AudioService } from '../audio/AudioService.js';
import type { SessionRegistry } from '../session/SessionRegistry.js';
import { AutoCaptioner } from './AutoCaptioner.js';
import { OpusDecoder } from './OpusDecoder.js';
import { PocketsphinxEngine } from './PocketsphinxEngine.js';

export interface CaptionsConfig {
  engine: 'pocketsphinx';
  binary: string;
  model: string;
  opusdec: string;
}

/**
 * Automatic captions are optional: switched off, without live audio, or without the
 * recogniser or the Opus decoder installed, the server runs and says they are off.
 */
export async function startCaptions(config: CaptionsConfig | null, audio: AudioService | null, registry: SessionRegistry, logger: Logger): Promise<AutoCaptioner | null> {
  if (!config) {
    logger.info('automatic captions are switched off (TOWNHALL_CAPTIONS_ENGINE=off)');
    return null;
  }
  if (!audio) {
    logger.info('automatic captions are off: there is no live audio to recognise');
    return null;
  }
  const engine = new PocketsphinxEngine({ binary: config.binary, model: config.model });
  const [recogniser, decoder] = await Promise.all([engine.available(), OpusDecoder.available(config.opusdec)]);
  if (!recogniser || !decoder) {
    logger.warn(
      { engine: engine.name, recogniser, decoder },
      'automatic captions are off: install pocketsphinx, pocketsphinx-en-us and opus-tools (docs/CAPTIONS.md); everything else works',
    );
    return null;
  }
  logger.info({ engine: engine.name, language: engine.language }, 'automatic captions are available (each session switches them on)');
  return new AutoCaptioner({ registry, audio, engine, opusdec: config.opusdec, logger });
}
