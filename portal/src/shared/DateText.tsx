import { useTranslation } from 'react-i18next';
import { formatDate } from './format.ts';

export function DateText({ value }: { value: string | undefined | null }) {
  const { t, i18n } = useTranslation();
  const text = formatDate(value, i18n.language);
  return text ? <time dateTime={value!}>{text}</time> : <span>{t('common.never')}</span>;
}
