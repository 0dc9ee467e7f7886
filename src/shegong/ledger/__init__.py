"""Service-ledger (服务台账) import: read, map headers, normalise, pseudonymise, validate, store."""
