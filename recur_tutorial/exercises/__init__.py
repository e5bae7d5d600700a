"""Checkers for the chapters' coding exercises: each says right or wrong, and why."""
