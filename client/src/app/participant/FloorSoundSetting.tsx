import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { useFloorSound } from './floorChime';

/** The opt-in for a tone when the floor becomes yours; remembered on this device. */
export function FloorSoundSetting() {
  const { t } = useTranslation();
  const [on, setOn] = useFloorSound();
  const id = useId();
  return (
    <div className="floor-sound">
      <div className="check">
        <input id={id} type="checkbox" checked={on} aria-describedby={`${id}-hint`} onChange={(e) => setOn(e.target.checked)} />
        <label htmlFor={id}>{t('status.floorSound')}</label>
      </div>
      <p id={`${id}-hint`} className="hint">
        {t('status.floorSoundHint')}
      </p>
    </div>
  );
}
