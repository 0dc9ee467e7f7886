"""The trainer side: stage progression in 传帮带教, the mentoring log, marking, kappa, the cohort
and certificates."""
