import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { changeLanguage } from '../i18n/i18n.ts';
import type { LanguageCode } from '../i18n/languages.ts';

export type ThemeMode = 'light' | 'dark';

const THEME_KEY = 'berth.theme';

function initialTheme(): ThemeMode {
  try {
    const stored = localStorage.getItem(THEME_KEY);
    if (stored === 'light' || stored === 'dark') return stored;
  } catch {
    // Storage refused: follow the system.
  }
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

interface Preferences {
  language: LanguageCode;
  setLanguage(code: LanguageCode): Promise<void>;
  theme: ThemeMode;
  setTheme(mode: ThemeMode): void;
}

const PreferencesContext = createContext<Preferences | undefined>(undefined);

/** The reader's language and theme, remembered in this browser. */
export function PreferencesProvider({ children }: { children: ReactNode }) {
  const { i18n } = useTranslation();
  const [theme, setThemeState] = useState<ThemeMode>(initialTheme);
  const setTheme = useCallback((mode: ThemeMode) => {
    setThemeState(mode);
    try {
      localStorage.setItem(THEME_KEY, mode);
    } catch {
      // The choice then lasts for this page.
    }
  }, []);
  const value = useMemo<Preferences>(
    () => ({ language: i18n.language as LanguageCode, setLanguage: changeLanguage, theme, setTheme }),
    [i18n.language, theme, setTheme],
  );
  return <PreferencesContext value={value}>{children}</PreferencesContext>;
}

export function usePreferences(): Preferences {
  const preferences = useContext(PreferencesContext);
  if (!preferences) throw new Error('usePreferences outside PreferencesProvider');
  return preferences;
}
