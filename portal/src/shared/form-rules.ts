import type { FormRule } from 'antd';

/** A confirmation field must repeat `field` (new passwords are typed twice). */
export function sameAs(field: string, message: string): FormRule {
  return ({ getFieldValue }) => ({
    validator: async (_rule, value) => {
      if (value && value !== getFieldValue(field)) throw new Error(message);
    },
  });
}

/** Harbor's password policy, also for robot and CLI secrets: 8–128 characters with an upper-case letter, a lower-case letter and a digit. */
export function passwordPolicy(message: string): FormRule {
  return {
    validator: async (_rule, value: string | undefined) => {
      if (value && (value.length < 8 || value.length > 128 || !/[A-Z]/.test(value) || !/[a-z]/.test(value) || !/[0-9]/.test(value))) throw new Error(message);
    },
  };
}
