// Vietnamese / English picker; the choice is remembered in localStorage by the i18n provider.
import { type Lang, LANGS, useI18n } from '../i18n';

export function LangSwitch() {
  const { lang, setLang, t } = useI18n();
  return (
    <select
      className="lang-switch"
      data-testid="lang-switch"
      aria-label={t('lang.label')}
      value={lang}
      onChange={(e) => setLang(e.target.value as Lang)}
    >
      {LANGS.map((l) => (
        <option key={l} value={l}>
          {t(l === 'vi' ? 'lang.vi' : 'lang.en')}
        </option>
      ))}
    </select>
  );
}
