import { ParaphError } from '../errors';
import type { EidMethod, EidMethodName } from './eid-method';
import { emailOtp } from './email-otp';
import { nbidSign } from './nbid-sign';
import { nemidSign } from './nemid-sign';
import { netsSms } from './nets-sms';
import { sbidSign } from './sbid-sign';

/**
 * Every signature method, by name. The `satisfies` clause makes the compiler refuse a name of
 * EidMethodName without a module, so a new method is its own file plus one line here.
 */
const byName = {
  'nbid-sign': nbidSign,
  'nemid-sign': nemidSign,
  'sbid-sign': sbidSign,
  'nets-sms': netsSms,
  'email-otp': emailOtp,
} as const satisfies Record<EidMethodName, EidMethod>;

export const eidMethods: ReadonlyMap<EidMethodName, EidMethod> = new Map(
  Object.entries(byName) as [EidMethodName, EidMethod][],
);

/** The method a task's `signature/method` names; SIGNATURE_METHOD_UNKNOWN for any other name. */
export function findEidMethod(name: string): EidMethod {
  const method = eidMethods.get(name as EidMethodName);
  if (method) return method;
  // The name is the caller's input: quote only a short, printable prefix of it.
  const shown = name.slice(0, 40).replace(/[^\x20-\x7e]/g, '?');
  throw new ParaphError('SIGNATURE_METHOD_UNKNOWN', `No signature method is named "${shown}".`);
}
