"""Quality gates and the statistics behind them: thresholds, baselines, bootstrap intervals, per-class and
per-group breakdowns, paired comparisons of two prediction files, and check files."""
