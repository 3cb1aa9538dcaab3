// The small application the source map tests build, minify and upload:
// two functions that throw, each in its own file.
export function renderCart(cart) {
  const lines = cart.items.map((item) => item.name);
  if (lines.length === 0) {
    throw new TypeError('cart is empty: nothing to render');
  }
  return lines.join('\n');
}
