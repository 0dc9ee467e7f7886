"""Generated corpus of messy ledgers (issue 4): one builder per kind of mess, plus combinations."""
