// clef's password format rule (vault-and-keystore.md §7) for new master-seed and account passwords.
import { utf8 } from './bytes.ts';

/** The error text for a password that breaks the rule, or null when it is acceptable. */
export function validatePasswordFormat(pw: string): string | null {
  if (utf8(pw).length < 10) return 'password too short (<10 characters)';
  for (let i = 0; i < pw.length; i++) {
    const c = pw.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return 'password contains invalid characters - only 7bit printable ascii allowed';
  }
  return null;
}
