import type { Locale } from 'antd/es/locale';
import type { LanguageCode } from '../i18n/languages.ts';

// antd's own texts (pagination, empty tables, pickers) per language, each its own chunk; English is built in.
const LOADERS: Record<Exclude<LanguageCode, 'en-US'>, () => Promise<{ default: Locale }>> = {
  'zh-CN': () => import('antd/es/locale/zh_CN.js'),
  'zh-TW': () => import('antd/es/locale/zh_TW.js'),
  'ja-JP': () => import('antd/es/locale/ja_JP.js'),
  'ko-KR': () => import('antd/es/locale/ko_KR.js'),
  'de-DE': () => import('antd/es/locale/de_DE.js'),
  'fr-FR': () => import('antd/es/locale/fr_FR.js'),
  'es-ES': () => import('antd/es/locale/es_ES.js'),
  'pt-BR': () => import('antd/es/locale/pt_BR.js'),
  'ru-RU': () => import('antd/es/locale/ru_RU.js'),
  'tr-TR': () => import('antd/es/locale/tr_TR.js'),
};

export async function loadAntdLocale(code: LanguageCode): Promise<Locale | undefined> {
  return code === 'en-US' ? undefined : (await LOADERS[code]()).default;
}
