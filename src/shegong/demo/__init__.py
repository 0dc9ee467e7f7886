"""The demo of 兴安盟 (Xing'an League): seeded inputs (generate, inputs, projects) and the whole run
(run)."""
