/**
 * The side that wins by a fixed order (design §4 `priority`, and `lww` ties): the one listed first in
 * `order`. A side missing from `order` ranks after every listed side, and two unlisted sides by name,
 * so both links still decide the same way.
 */
export function firstInOrder(order: readonly string[], a: string, b: string): string {
  const rank = (side: string): number => {
    const at = order.indexOf(side);
    return at < 0 ? order.length : at;
  };
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra < rb ? a : b;
  return a <= b ? a : b;
}
