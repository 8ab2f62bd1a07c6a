"""Spend: what each gateway call cost (prices), and the budgets that bound it."""
