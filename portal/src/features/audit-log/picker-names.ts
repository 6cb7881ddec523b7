import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';

/**
 * Week-day and month names for antd's date pickers from Intl, in the reader's
 * language. antd would take them from dayjs's locale files, which would have
 * to be loaded per language; Intl already knows them.
 */
export function usePickerNames(): { shortWeekDays: string[]; shortMonths: string[] } {
  const { i18n } = useTranslation();
  const language = i18n.language;
  return useMemo(() => {
    const weekday = new Intl.DateTimeFormat(language, { weekday: 'short', timeZone: 'UTC' });
    const month = new Intl.DateTimeFormat(language, { month: 'short', timeZone: 'UTC' });
    // 1 January 2023 was a Sunday: the pickers list week days from Sunday.
    return {
      shortWeekDays: Array.from({ length: 7 }, (_, day) => weekday.format(new Date(Date.UTC(2023, 0, 1 + day)))),
      shortMonths: Array.from({ length: 12 }, (_, index) => month.format(new Date(Date.UTC(2023, index, 1)))),
    };
  }, [language]);
}
