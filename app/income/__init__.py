"""A household's ISEE: declared by the citizen, verified or rejected by city staff, read by
programmes (eligibility, amounts by band) and by income-based prices (app/income/rules.py)."""
