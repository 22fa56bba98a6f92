"""mutmut's command line, taught to mutate the functions decorated with ``@implements`` and
``@params``.

mutmut 3.8.1 never mutates a decorated function (a decorator may have side effects when the
function is copied for its trampoline). In seqcore that would leave out every formula: each
public function is ``@implements("id")`` and declares its domains with ``@params(...)``, and
only the private helpers would be mutated. ``@implements`` only records the formula id;
``@params`` wraps the function it is given in a check of the arguments. Both are safe here,
so this does what mutmut does for an undecorated function, keeping the decorators on the
trampoline (the public name, which the traceability registry should point to and which the
checks name in their messages) and off the copies mutmut makes of the original and of each
mutant (those copies must not claim the id a second time, nor check the arguments twice).

Used by ``.ci/mutation``; ``bash .ci/mutation mutmut show NAME`` runs any mutmut command
through it, so that ``show`` and ``browse`` see the same mutants as ``run``.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst
from mutmut.mutation import file_mutation

_skip_node_and_children = file_mutation.MutationVisitor._skip_node_and_children
_function_trampoline_arrangement = file_mutation.function_trampoline_arrangement


#: Decorators that are safe to keep on the trampoline: ``@implements`` records the formula id
#: and returns the function; ``@params`` (seqcore._validate) checks the arguments against the
#: declared domains, then calls the function (the trampoline, which calls the mutant).
SAFE = {"implements", "params"}


def _only_implements(node: cst.CSTNode) -> bool:
    """``node`` is a function whose every decorator is ``@implements(...)`` or ``@params(...)``."""
    return (isinstance(node, cst.FunctionDef) and bool(node.decorators)
            and all(isinstance(d.decorator, cst.Call)
                    and isinstance(d.decorator.func, cst.Name)
                    and d.decorator.func.value in SAFE for d in node.decorators))


def _skip(self: file_mutation.MutationVisitor, node: cst.CSTNode) -> bool:
    if _only_implements(node):
        # Judged as if undecorated; the decorator itself stays unmutated (mutmut skips
        # every Decorator node on its own).
        return _skip_node_and_children(self, node.with_changes(decorators=()))
    return _skip_node_and_children(self, node)


def _arrangement(function: cst.FunctionDef, mutants: Sequence[file_mutation.Mutation],
                 class_name: str | None) -> tuple[Sequence, Sequence, Sequence, Sequence[str]]:
    if not _only_implements(function):
        return _function_trampoline_arrangement(function, mutants, class_name)
    # The copies share the body nodes with `function`, so mutmut still finds each mutation's
    # node in them; only the trampoline gets the decorators back, outermost.
    dicts, nodes, assignments, names = _function_trampoline_arrangement(
        function.with_changes(decorators=()), mutants, class_name)
    trampoline = nodes[0]
    nodes = [trampoline.with_changes(decorators=[*function.decorators, *trampoline.decorators]),
             *nodes[1:]]
    return dicts, nodes, assignments, names


file_mutation.MutationVisitor._skip_node_and_children = _skip
file_mutation.function_trampoline_arrangement = _arrangement


def _private_progress_lock() -> None:
    """Give tqdm a lock of this process instead of its default, which includes a
    multiprocessing lock: a semaphore that every forked mutant child shares. A child stopped
    at its time limit while a progress bar (``train``, ``train_skipgram``) held it left it
    taken for good, and every later child that drew a bar waited on it until its own
    wall-clock limit: the word2vec mutants took 4 minutes each, at 0% CPU. A threading lock
    is copied into each child instead, so a child that dies holding it affects no other."""
    import threading

    from tqdm import tqdm

    tqdm.set_lock(threading.RLock())


def _heap_cap(gib: float = 8.0) -> None:
    """Cap the heap of this process and of every mutant child it forks (RLIMIT_DATA is
    inherited). A mutant that turns a loop's step into ``i = 1`` (``merge_pair``) appends
    to a list forever: two such children grew to 15 and 20 GB before the kernel's
    out-of-memory killer ended them, and mutmut reads its SIGKILL as a crash, not a kill.
    Capped, the list raises MemoryError, the test fails and the mutant is killed. The
    runner itself holds about 2 GB; two children at the cap fit in this machine's 24 GB."""
    import resource

    _, hard = resource.getrlimit(resource.RLIMIT_DATA)
    cap = int(gib * 2**30)
    resource.setrlimit(resource.RLIMIT_DATA, (cap if hard == resource.RLIM_INFINITY
                                              else min(cap, hard), hard))


if __name__ == "__main__":
    from mutmut.__main__ import cli

    _private_progress_lock()
    _heap_cap()
    cli()
