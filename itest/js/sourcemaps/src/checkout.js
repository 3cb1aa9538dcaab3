export function computeTotal(order) {
  let total = 0;
  for (const line of order.lines) {
    total += line.price * line.quantity;
  }
  if (!(total > 0)) {
    throw new RangeError('order total must be positive, got ' + total);
  }
  return total;
}

export function checkout(order) {
  const total = computeTotal(order);
  return { id: order.id, total };
}
