import gc
import os
import sys

# The cyclic garbage collector would scan every object the imports below make, again and again
# while they are made: off until the command is known (on again for all but the short ones, see
# allocation.faces.cli._handle).
gc.disable()

# The scenario's schema is pydantic models of our own: no plugin of pydantic's applies to them,
# and looking for plugins reads the metadata of every installed package (a fortieth of `validate`).
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

from allocation.faces import cli  # noqa: E402

code = cli.main()
if cli.ENDS_WITHOUT_TEARDOWN:
    # A short command has written and closed its files: end here, without the interpreter's
    # teardown of every imported module (about 0.1 s, a sixth of `validate`).
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:  # the reader went away (`... | head`): stop quietly, as the commands do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        os._exit(1)
    os._exit(code)
raise SystemExit(code)
