"""Domestic work: the dated CCNL, INPS and Libretto Famiglia tables, the minimum-pay guard every
price model passes, the Libretto Famiglia yearly caps, and the family's cost simulator."""
