/**
 * NHS numbers: ten digits, the last a modulus-11 check digit over the first nine
 * (weights 10 down to 2; a remainder giving 10 means the number is invalid).
 */
export function isValidNhsNumber(value: string): boolean {
  if (!/^\d{10}$/.test(value)) return false;
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += (value.charCodeAt(i) - 48) * (10 - i);
  const check = 11 - (sum % 11);
  const expected = check === 11 ? 0 : check;
  return expected !== 10 && expected === value.charCodeAt(9) - 48;
}

/** Removes the spaces and dashes people write NHS numbers with ("943 476 5919"). */
export function normaliseNhsNumber(value: string): string {
  return value.replace(/[\s-]/g, '');
}

/** Why an NHS number is invalid, in words, or undefined when it is valid. */
export function nhsNumberProblem(value: string): string | undefined {
  if (!/^\d{10}$/.test(value)) return 'must be 10 digits';
  if (!isValidNhsNumber(value)) return 'fails the NHS number check digit';
  return undefined;
}
