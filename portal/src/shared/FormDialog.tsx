import type { ReactNode } from 'react';
import { Modal, type ButtonProps, type FormInstance } from 'antd';
import { useTranslation } from 'react-i18next';
import { ErrorAlert } from './ErrorAlert.tsx';

/** What the dialog needs of the mutation its form submits (TanStack Query's useMutation result). */
interface Submission {
  isPending: boolean;
  isError: boolean;
  error: unknown;
  reset(): void;
}

/**
 * A dialog around one form: OK submits the form, whose onFinish runs
 * `submission`; OK stays busy while it runs; the server's refusal shows
 * inside; cancelling forgets it, so the next opening starts clean.
 */
export function FormDialog(props: {
  title: ReactNode;
  open?: boolean;
  onClose(): void;
  okText: string;
  okButtonProps?: ButtonProps;
  form: FormInstance;
  submission: Submission;
  width?: number;
  children: ReactNode;
}) {
  const { t } = useTranslation();
  const { submission } = props;
  return (
    <Modal
      title={props.title}
      open={props.open ?? true}
      onCancel={() => {
        submission.reset();
        props.onClose();
      }}
      onOk={() => props.form.submit()}
      okText={props.okText}
      {...(props.okButtonProps && { okButtonProps: props.okButtonProps })}
      cancelText={t('common.cancel')}
      confirmLoading={submission.isPending}
      {...(props.width && { width: props.width })}
      destroyOnHidden
    >
      {submission.isError && <ErrorAlert error={submission.error} />}
      {props.children}
    </Modal>
  );
}
