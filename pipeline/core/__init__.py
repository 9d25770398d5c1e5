"""What every stage shares: settings, errors, records, period and IKM rules, safe reading, atomic writing."""
