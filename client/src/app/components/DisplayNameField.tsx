import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import type { JoinErrorKey } from '../joining';

/** The display name asked for on every way in (the join page, the setup page's "open the console"), with why joining failed. */
export function DisplayNameField({
  value,
  onChange,
  hint,
  error,
  onFocus,
}: {
  value: string;
  onChange: (name: string) => void;
  hint: string;
  error: JoinErrorKey | null;
  onFocus?: () => void;
}) {
  const { t } = useTranslation();
  const inputId = useId();
  const hintId = useId();
  const errorId = useId();
  return (
    <>
      <label htmlFor={inputId}>{t('join.nameLabel')}</label>
      <p id={hintId} className="hint">
        {hint}
      </p>
      <input
        id={inputId}
        type="text"
        name="displayName"
        autoComplete="nickname"
        maxLength={80}
        required
        dir="auto"
        value={value}
        aria-describedby={error ? `${hintId} ${errorId}` : hintId}
        aria-invalid={error === 'name' ? true : undefined}
        onChange={(e) => onChange(e.target.value)}
        onFocus={onFocus}
      />
      <div role="alert" id={errorId}>
        {error && <p className="callout error">{t(`join.errors.${error}`)}</p>}
      </div>
    </>
  );
}
