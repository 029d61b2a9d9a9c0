"""Registered tasks by name ("module:qualname"), so a stored job can be found again."""

import importlib

_registry: dict = {}


def task(retries=5, retry_delay=60):
    """Register a function as a job (it stays callable directly, synchronously)."""

    def wrap(fn):
        name = f"{fn.__module__}:{fn.__qualname__}"
        fn.task_name, fn.retries, fn.retry_delay = name, retries, retry_delay
        _registry[name] = fn
        return fn

    return wrap


def name_of(fn) -> str:
    """The registered name of a task; refuses functions not declared with @jobs.task()."""
    name = getattr(fn, "task_name", None)
    if name is None:
        raise TypeError(f"{fn!r} is not a @jobs.task()")
    return name


def resolve(name):
    """The task registered under ``module:qualname`` (importing its module when needed)."""
    if name not in _registry:
        importlib.import_module(name.partition(":")[0])
    return _registry[name]
