"""Pure domain rules: money, tiers, pricing, points, member codes. Standard library only."""
