/** The portal's languages; each name is written in its own language, as language pickers show them. */
export const LANGUAGES = [
  { code: 'en-US', name: 'English' },
  { code: 'zh-CN', name: '简体中文' },
  { code: 'zh-TW', name: '繁體中文' },
  { code: 'ja-JP', name: '日本語' },
  { code: 'ko-KR', name: '한국어' },
  { code: 'de-DE', name: 'Deutsch' },
  { code: 'fr-FR', name: 'Français' },
  { code: 'es-ES', name: 'Español' },
  { code: 'pt-BR', name: 'Português (Brasil)' },
  { code: 'ru-RU', name: 'Русский' },
  { code: 'tr-TR', name: 'Türkçe' },
] as const;

export type LanguageCode = (typeof LANGUAGES)[number]['code'];

export const DEFAULT_LANGUAGE: LanguageCode = 'en-US';
const STORAGE_KEY = 'berth.language';

function isLanguage(value: string | null): value is LanguageCode {
  return LANGUAGES.some((language) => language.code === value);
}

/** Browsers' tags mapped to the closest language: exact, then Chinese by script/region, then by primary subtag. */
export function matchLanguage(tag: string): LanguageCode | undefined {
  const lower = tag.toLowerCase();
  const exact = LANGUAGES.find((language) => language.code.toLowerCase() === lower);
  if (exact) return exact.code;
  const [primary] = lower.split('-');
  if (primary === 'zh') return /-(hant|tw|hk|mo)\b/.test(lower) ? 'zh-TW' : 'zh-CN';
  return LANGUAGES.find((language) => language.code.toLowerCase().startsWith(`${primary}-`))?.code;
}

/** The remembered choice, else the browser's preferences, else English. */
export function initialLanguage(): LanguageCode {
  const stored = readStored();
  if (isLanguage(stored)) return stored;
  for (const tag of navigator.languages ?? [navigator.language]) {
    const match = matchLanguage(tag);
    if (match) return match;
  }
  return DEFAULT_LANGUAGE;
}

function readStored(): string | null {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

export function rememberLanguage(code: LanguageCode): void {
  try {
    localStorage.setItem(STORAGE_KEY, code);
  } catch {
    // Private browsing may refuse storage; the choice then lasts for this page.
  }
}
