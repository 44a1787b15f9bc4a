import { useEffect, useState } from 'react';
import { setupInfo } from '../api';

/**
 * Which engine writes automatic captions on this server: its name, null when there is
 * none here, undefined until the server has answered (or when it could not be asked).
 */
export function useCaptionsEngine(): string | null | undefined {
  const [engine, setEngine] = useState<string | null | undefined>(undefined);
  useEffect(() => {
    let live = true;
    setupInfo()
      .then((info) => live && setEngine(info.captionsEngine ?? null))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, []);
  return engine;
}
