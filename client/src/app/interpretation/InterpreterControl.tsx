import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ParticipantStatsView } from '../../../../shared/src/index.js';
import { plainPersonName } from '../i18n';
import { useAction } from '../session/context';
import { INTERPRETATION_LANGUAGES, languageName } from './languageName';
import './interpretation.css';

/** The "Interpreter (DE)" badge, wherever people are listed. */
export function InterpreterBadge({ language }: { language: string }) {
  const { t } = useTranslation();
  return (
    <span className="tag interpreter" data-testid="interpreter-badge">
      {t('interpretation.badge', { language: language.toUpperCase() })}
    </span>
  );
}

/** The facilitator makes a citizen the interpreter of their room into a language, or ends it. */
export function InterpreterControl({ p }: { p: ParticipantStatsView }) {
  const { t, i18n } = useTranslation();
  const { act, disabled } = useAction();
  const [language, setLanguage] = useState<string>(INTERPRETATION_LANGUAGES[0]);
  const selectId = useId();
  const plainName = plainPersonName(p.displayName);
  if (p.interpreting) {
    return (
      <button
        type="button"
        disabled={disabled}
        aria-label={t('interpretation.revokeLabel', { name: plainName })}
        onClick={() => void act('interpretation.revoke', { participantId: p.participantId })}
      >
        {t('interpretation.revoke')}
      </button>
    );
  }
  return (
    <div className="interpreter-assign">
      <label htmlFor={selectId} className="sr-only">
        {t('interpretation.languageFor', { name: plainName })}
      </label>
      <select id={selectId} value={language} onChange={(e) => setLanguage(e.target.value)}>
        {INTERPRETATION_LANGUAGES.map((l) => (
          <option key={l} value={l}>
            {languageName(l, i18n.language)}
          </option>
        ))}
      </select>
      <button
        type="button"
        disabled={disabled}
        aria-label={t('interpretation.assignLabel', { name: plainName })}
        onClick={() => void act('interpretation.assign', { participantId: p.participantId, roomId: p.roomId, language })}
      >
        {t('interpretation.assign')}
      </button>
    </div>
  );
}
