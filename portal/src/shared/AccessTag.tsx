import { Tag } from 'antd';
import { GlobalOutlined, LockOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';

/** Public or private, told by icon and word rather than by a colour that would fail contrast. */
export function AccessTag({ isPublic }: { isPublic: boolean }) {
  const { t } = useTranslation();
  return isPublic ? <Tag icon={<GlobalOutlined />}>{t('projects.public')}</Tag> : <Tag icon={<LockOutlined />}>{t('projects.private')}</Tag>;
}
