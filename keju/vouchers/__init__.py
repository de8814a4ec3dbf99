"""Innovation vouchers (创新券): programmes, quotas, redemptions, settlement, ledger."""
