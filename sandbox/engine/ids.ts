// Ids come from counters in the state, never from randomness, so a replay recreates them. Fixed
// width keeps them sorted as strings in creation order, which cursors rely on.

const idDigits = 10;

/** The id of the n-th order ever created (n from 1). */
export function orderIdFor(orderNumber: number): string {
  return 'ord_' + orderNumber.toString(36).padStart(idDigits, '0');
}

export function fillIdFor(fillNumber: number): string {
  return 'fil_' + fillNumber.toString(36).padStart(idDigits, '0');
}

/** The number behind an order id; undefined for anything `orderIdFor` cannot have produced. */
export function orderNumberOf(id: string): number | undefined {
  return id.startsWith('ord_') ? digitsOf(id) : undefined;
}

export function fillNumberOf(id: string): number | undefined {
  return id.startsWith('fil_') ? digitsOf(id) : undefined;
}

// Replay resolves two ids per fill; reading the digits in place builds no strings.
function digitsOf(id: string): number | undefined {
  if (id.length !== 4 + idDigits) return undefined;
  let number = 0;
  for (let index = 4; index < id.length; index++) {
    const code = id.charCodeAt(index);
    let digit: number;
    if (code >= 48 && code <= 57) digit = code - 48;
    else if (code >= 97 && code <= 122) digit = code - 87;
    else return undefined;
    number = number * 36 + digit;
  }
  return number > 0 && number <= Number.MAX_SAFE_INTEGER ? number : undefined;
}
