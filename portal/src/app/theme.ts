import { theme, type ThemeConfig } from 'antd';
import type { ThemeMode } from './preferences.tsx';

/**
 * antd's default blue (#1677ff) and its 45 %-black secondary text fall short
 * of WCAG AA contrast (4.5:1) for normal text; these tokens keep every text
 * colour the portal uses at or above it, in both themes.
 */
const LIGHT: ThemeConfig['token'] = {
  colorPrimary: '#0958d9',
  // Derived from the above, the hover blue would be lighter, too light for a primary button's white text.
  colorPrimaryHover: '#003eb3',
  colorLink: '#0958d9',
  colorTextSecondary: 'rgba(0, 0, 0, 0.65)',
  colorTextTertiary: 'rgba(0, 0, 0, 0.62)',
  colorTextDescription: 'rgba(0, 0, 0, 0.62)',
  colorTextPlaceholder: 'rgba(0, 0, 0, 0.55)',
  colorError: '#cf1322',
};

/**
 * In the dark, a blue light enough to read as text (selected tabs, the current
 * page) is too light for white text, so text on it turns dark instead.
 */
const DARK: ThemeConfig['token'] = {
  colorPrimary: '#4096ff',
  colorLink: '#4096ff',
  colorTextLightSolid: 'rgba(0, 0, 0, 0.88)',
  colorTextSecondary: 'rgba(255, 255, 255, 0.75)',
  colorTextTertiary: 'rgba(255, 255, 255, 0.7)',
  colorTextDescription: 'rgba(255, 255, 255, 0.7)',
  colorTextPlaceholder: 'rgba(255, 255, 255, 0.6)',
  colorError: '#ff7875',
};

/**
 * The header menu's items are derived from colorTextLightSolid, which the dark
 * theme turns dark (above): on the dark header they need light text of their own.
 */
const DARK_COMPONENTS: ThemeConfig['components'] = {
  Menu: { darkItemColor: 'rgba(255, 255, 255, 0.75)', darkItemHoverColor: '#ffffff' },
};

/** With `reducedMotion`, dialogs, menus and messages appear and leave without animation. */
export function themeConfig(mode: ThemeMode, reducedMotion = false): ThemeConfig {
  return {
    algorithm: mode === 'dark' ? theme.darkAlgorithm : theme.defaultAlgorithm,
    token: { ...(mode === 'dark' ? DARK : LIGHT), borderRadius: 6, motion: !reducedMotion },
    ...(mode === 'dark' && { components: DARK_COMPONENTS }),
  };
}
