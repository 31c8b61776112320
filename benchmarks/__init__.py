"""``make bench``: speed figures at 1M contacts, each beside a lower bound measured in the
same run. Targets live here and in the issues, never in timed unit tests."""
