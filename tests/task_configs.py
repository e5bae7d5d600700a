"""Every task with the options worth testing, shared by the task test files."""

from recur_tutorial import tasks

OPTIONS = {
    "modular_counter": [{"modulus": 2}, {"modulus": 4}, {"modulus": 7}],
    "word_problem": [{"group": g} for g in ("S3", "S5", "A5", "Z5", "Z12", "A4", "A4xZ5")],
}
CONFIGS = [(name, options) for name in tasks.names() for options in OPTIONS.get(name, [{}])]


def config_id(config) -> str:
    name, options = config
    return name + "".join(f"-{v}" for v in options.values())
