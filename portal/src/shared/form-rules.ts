import type { FormRule } from 'antd';

/** A confirmation field must repeat `field` (new passwords are typed twice). */
export function sameAs(field: string, message: string): FormRule {
  return ({ getFieldValue }) => ({
    validator: async (_rule, value) => {
      if (value && value !== getFieldValue(field)) throw new Error(message);
    },
  });
}
