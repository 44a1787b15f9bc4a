import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { AGREEMENT_LEVELS } from '../../../../shared/src/drafting.js';
import { QUEUE_RULES, TURN_EXPIRY, type Settings, type SettingsPatch } from '../../../../shared/src/domain.js';
import type { Messages } from '../i18n/en';
import { useFormAction, useSession } from '../session/context';
import { fieldsRefused, numberOrNull } from '../setup/fieldErrors';
import { useCaptionsEngine } from './useCaptionsEngine';
import '../setup/setup.css';

type Field =
  | 'queueRule'
  | 'turnSeconds'
  | 'warnSeconds'
  | 'onTurnExpiry'
  | 'qaPremoderation'
  | 'maxParticipants'
  | 'resultsLive'
  | 'automaticCaptions'
  | 'minShare'
  | 'topLevels'
  | 'maxBlocks'
  | 'minRatings';
type Values = Record<Field, string | boolean>;
type FieldError = keyof Messages['setup']['errors'];

const RULE_FIELDS = ['minShare', 'topLevels', 'maxBlocks', 'minRatings'] as const;
const ERRORS: Partial<Record<Field, FieldError>> = {
  turnSeconds: 'turnSeconds',
  warnSeconds: 'warnSeconds',
  maxParticipants: 'maxParticipants',
  minShare: 'minShare',
  topLevels: 'topLevels',
  maxBlocks: 'maxBlocks',
  minRatings: 'minRatings',
};

/** The share as a percentage, without the float noise of 0.7 × 100. */
const percent = (share: number) => String(Math.round(share * 10_000) / 100);

/** The settings as the form shows them. */
function valuesOf(s: Settings): Values {
  return {
    queueRule: s.queueRule,
    turnSeconds: String(s.turnSeconds),
    warnSeconds: String(s.warnSeconds),
    onTurnExpiry: s.onTurnExpiry,
    qaPremoderation: s.qaPremoderation,
    maxParticipants: String(s.maxParticipants),
    resultsLive: s.resultsLive,
    automaticCaptions: s.automaticCaptions,
    minShare: percent(s.agreementRule.minShare),
    topLevels: String(s.agreementRule.topLevels),
    maxBlocks: String(s.agreementRule.maxBlocks),
    minRatings: String(s.agreementRule.minRatings),
  };
}

/**
 * The changes only: a setting left as it is is not sent, so a change another facilitator
 * made meanwhile is not undone. Numbers go as typed (empty: null); the server checks them
 * and names the ones it refuses. The agreement rule goes whole when any part of it changed.
 */
function patchOf(values: Values, current: Values): SettingsPatch {
  const changed = (f: Field) => values[f] !== current[f];
  const num = (f: Field) => numberOrNull(values[f] as string) as number;
  const patch: Record<string, unknown> = {};
  if (changed('queueRule')) patch.queueRule = values.queueRule;
  for (const f of ['turnSeconds', 'warnSeconds', 'maxParticipants'] as const) if (changed(f)) patch[f] = num(f);
  if (changed('onTurnExpiry')) patch.onTurnExpiry = values.onTurnExpiry;
  for (const f of ['qaPremoderation', 'resultsLive', 'automaticCaptions'] as const) if (changed(f)) patch[f] = values[f];
  if (RULE_FIELDS.some(changed)) {
    const share = numberOrNull(values.minShare as string);
    patch.agreementRule = { minShare: share === null ? null : share / 100, topLevels: num('topLevels'), maxBlocks: num('maxBlocks'), minRatings: num('minRatings') };
  }
  return patch as SettingsPatch;
}

/** Facilitator: the session's settings as they are now, changed with one Save. */
export function SettingsPanel() {
  const { t } = useTranslation();
  const { snapshot } = useSession();
  const { settings, closed } = snapshot.view!;
  const { send, busy, disabled, error } = useFormAction();
  const captionsEngine = useCaptionsEngine();
  const [edits, setEdits] = useState<Partial<Values>>({});
  const [outcome, setOutcome] = useState<'saved' | 'unchanged' | null>(null);
  const [refusals, setRefusals] = useState(0);
  const form = useRef<HTMLFormElement>(null);
  // After a refusal, the first field marked takes the focus, and its message is read with it.
  useEffect(() => {
    if (refusals > 0) form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [refusals]);
  const current = valuesOf(settings);
  const values = { ...current, ...edits } as Values;
  const set = (f: Field, v: string | boolean) => {
    setOutcome(null);
    setEdits((e) => ({ ...e, [f]: v }));
  };

  const refused = new Map<Field, FieldError>();
  if (error?.code === 'VALIDATION_FAILED') {
    for (const path of fieldsRefused(error, 'patch.')) {
      const field = (path.startsWith('agreementRule.') ? path.slice('agreementRule.'.length) : path) as Field;
      const key = ERRORS[field];
      if (key) refused.set(field, key);
    }
  }
  const otherError = error && refused.size === 0 ? error : null;

  const save = async (e: FormEvent) => {
    e.preventDefault();
    const patch = patchOf(values, current);
    if (Object.keys(patch).length === 0) return setOutcome('unchanged');
    const ack = await send('settings.update', { patch });
    if (ack.ok) {
      setEdits({});
      setOutcome('saved');
    } else if (ack.error.code === 'VALIDATION_FAILED') setRefusals((n) => n + 1);
  };

  const num = (f: Field, label: string, hint: string, limits: { min: number; max?: number; step?: number | 'any' }) => (
    <Labelled label={label} hint={hint} error={refused.get(f) ? t(`setup.errors.${refused.get(f)!}`) : null}>
      {(ids) => (
        <input
          {...ids}
          className="number-input"
          type="number"
          inputMode={limits.step === 'any' ? 'decimal' : 'numeric'}
          min={limits.min}
          max={limits.max}
          step={limits.step ?? 1}
          value={values[f] as string}
          onChange={(e) => set(f, e.target.value)}
        />
      )}
    </Labelled>
  );
  const check = (f: 'qaPremoderation' | 'resultsLive' | 'automaticCaptions', label: string, hint: string) => (
    <Check label={label} hint={hint} checked={values[f] as boolean} onChange={(v) => set(f, v)} />
  );

  return (
    <section className="panel" aria-labelledby="settings-heading" data-testid="session-settings">
      <h2 id="settings-heading">{t('setup.settings.heading')}</h2>
      {closed && <p className="muted">{t('setup.settings.closed')}</p>}
      <form ref={form} className="settings-form" onSubmit={(e) => void save(e)} noValidate>
        {/* Once the town hall has ended the settings are only shown: a disabled fieldset disables every field in it. */}
        <fieldset className="settings-groups" disabled={closed}>
          <fieldset className="setup-group">
            <legend>{t('setup.settings.speaking')}</legend>
            <Labelled label={t('setup.settings.queueRule')} hint={t('setup.settings.queueRuleHint')}>
              {(ids) => (
                <select {...ids} value={values.queueRule as string} onChange={(e) => set('queueRule', e.target.value)}>
                  {QUEUE_RULES.map((rule) => (
                    <option key={rule} value={rule}>
                      {t(`setup.ruleNames.${rule}`)}
                    </option>
                  ))}
                </select>
              )}
            </Labelled>
            {num('turnSeconds', t('setup.settings.turnSeconds'), t('setup.settings.turnSecondsLater'), { min: 10, max: 3600 })}
            {num('warnSeconds', t('setup.settings.warnSeconds'), t('setup.settings.warnSecondsHint'), { min: 0, max: 600 })}
            <Labelled label={t('setup.settings.onTurnExpiry')} hint={t('setup.settings.onTurnExpiryHint')}>
              {(ids) => (
                <select {...ids} value={values.onTurnExpiry as string} onChange={(e) => set('onTurnExpiry', e.target.value)}>
                  {TURN_EXPIRY.map((x) => (
                    <option key={x} value={x}>
                      {t(`setup.settings.expiry.${x}`)}
                    </option>
                  ))}
                </select>
              )}
            </Labelled>
          </fieldset>
          <fieldset className="setup-group">
            <legend>{t('setup.settings.participation')}</legend>
            {check('qaPremoderation', t('setup.settings.premoderation'), t('setup.settings.premoderationLater'))}
            {check('automaticCaptions', t('autoCaptions.setting'), captionsEngine === null ? t('autoCaptions.unavailable') : t('autoCaptions.hint'))}
            {num('maxParticipants', t('setup.settings.maxParticipants'), t('setup.settings.maxParticipantsHint'), { min: 1, max: 100_000 })}
          </fieldset>
          <fieldset className="setup-group">
            <legend>{t('setup.settings.agreement')}</legend>
            <p className="hint">{t('setup.settings.agreementHint')}</p>
            {num('minShare', t('setup.settings.minShare'), t('setup.settings.minShareHint'), { min: 0, max: 100, step: 'any' })}
            <Labelled label={t('setup.settings.topLevels')} hint={t('setup.settings.topLevelsHint')}>
              {(ids) => (
                <select {...ids} value={values.topLevels as string} onChange={(e) => set('topLevels', e.target.value)}>
                  {AGREEMENT_LEVELS.map((level, i) => (
                    <option key={level} value={String(i + 1)}>
                      {t(`levels.${level}`)}
                    </option>
                  ))}
                </select>
              )}
            </Labelled>
            {num('maxBlocks', t('setup.settings.maxBlocks'), t('setup.settings.maxBlocksHint'), { min: 0 })}
            {num('minRatings', t('setup.settings.minRatings'), t('setup.settings.minRatingsHint'), { min: 1 })}
            {check('resultsLive', t('setup.settings.resultsLive'), t('setup.settings.resultsLiveHint'))}
          </fieldset>
        </fieldset>
        <div role="status" data-testid="settings-status">
          {outcome && <p className="callout ok">{t(`setup.settings.${outcome}`)}</p>}
        </div>
        <div role="alert">
          {refused.size > 0 && <p className="callout error">{t('setup.errors.fields')}</p>}
          {otherError && <p className="callout error">{t(`errors.${otherError.code}`)}</p>}
        </div>
        <button type="submit" className="primary" disabled={disabled}>
          {busy ? t('setup.settings.saving') : t('setup.settings.save')}
        </button>
      </form>
    </section>
  );
}

type FieldIds = { id: string; 'aria-describedby': string; 'aria-invalid'?: true };

/** A label, a hint and the field, with the server's refusal under it. */
function Labelled({ label, hint, error = null, children }: { label: string; hint: string; error?: string | null; children: (ids: FieldIds) => ReactNode }) {
  const id = useId();
  return (
    <div className="setting">
      <label htmlFor={id}>{label}</label>
      <p id={`${id}-hint`} className="hint">
        {hint}
      </p>
      {children({ id, 'aria-describedby': error ? `${id}-hint ${id}-error` : `${id}-hint`, ...(error ? { 'aria-invalid': true as const } : {}) })}
      {error && (
        <p id={`${id}-error`} className="field-error">
          {error}
        </p>
      )}
    </div>
  );
}

function Check({ label, hint, checked, onChange }: { label: string; hint: string; checked: boolean; onChange: (v: boolean) => void }) {
  const id = useId();
  return (
    <div className="setting">
      <div className="check">
        <input id={id} type="checkbox" checked={checked} aria-describedby={`${id}-hint`} onChange={(e) => onChange(e.target.checked)} />
        <label htmlFor={id}>{label}</label>
      </div>
      <p id={`${id}-hint`} className="hint">
        {hint}
      </p>
    </div>
  );
}
