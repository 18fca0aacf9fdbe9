"""Exact money splits: the largest-remainder (Hamilton) rule over integer cents.

Each part first gets the floor of its exact quota; the cents left over (fewer than the number of
parts) go one each to the largest fractional remainders, ties to the earlier part. So the parts
always sum exactly to the total and no part is more than a cent away from its exact quota.
"""


def split_cents(total: int, weights: list[int]) -> list[int]:
    if total < 0 or not weights or any(w < 0 for w in weights) or sum(weights) == 0:
        raise ValueError("a non-negative total over non-negative weights with a positive sum")
    whole = sum(weights)
    parts = [total * w // whole for w in weights]
    remainders = [total * w % whole for w in weights]  # exact, in units of 1/whole cent
    left = total - sum(parts)
    for index in sorted(range(len(weights)), key=lambda i: (-remainders[i], i))[:left]:
        parts[index] += 1
    return parts


def cost_of_minutes(hourly_cents: int, minutes: int) -> int:
    """Price of some minutes at an hourly rate, rounded half up to the cent."""
    return (hourly_cents * minutes * 2 + 60) // 120
