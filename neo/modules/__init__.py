"""Built-in modules. They go through the same manifest path as third-party modules;
they are listed here (not only as entry points) so a frozen build finds them."""

BUILTINS: tuple[str, ...] = (
    "neo.modules.lookup",
    "neo.modules.statements",
    "neo.modules.holiday_watch",
)
