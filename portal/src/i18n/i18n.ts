import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import { initialLanguage, rememberLanguage, type LanguageCode } from './languages.ts';

// One chunk per language, fetched when chosen: the first screen carries none it does not show.
const catalogs = import.meta.glob<{ default: Record<string, unknown> }>('./locales/*.json');

async function loadCatalog(code: LanguageCode): Promise<void> {
  if (i18next.hasResourceBundle(code, 'translation')) return;
  const load = catalogs[`./locales/${code}.json`];
  if (!load) throw new Error(`no translations for ${code}`);
  i18next.addResourceBundle(code, 'translation', (await load()).default);
}

export async function setupI18n(): Promise<void> {
  const code = initialLanguage();
  await i18next.use(initReactI18next).init({
    lng: code,
    fallbackLng: false,
    resources: {},
    partialBundledLanguages: true,
    // React escapes what it renders; i18next must not escape it a second time.
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  await loadCatalog(code);
  document.documentElement.lang = code;
}

export async function changeLanguage(code: LanguageCode): Promise<void> {
  await loadCatalog(code);
  await i18next.changeLanguage(code);
  rememberLanguage(code);
  document.documentElement.lang = code;
}
