"""Technology supply and demand matching (技术转移对接): listings, matching, brokers, contracts."""
