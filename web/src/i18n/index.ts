// Public door of the translations: dictionaries, pure helpers and the React hook.
export { I18nProvider, useI18n, useT } from './context';
export type { MessageKey } from './en';
export { type Lang, LANGS, localeOf, pickLanguage, translate, type Vars } from './translate';
