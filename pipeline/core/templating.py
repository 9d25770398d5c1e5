"""The one Jinja2 environment every HTML page is rendered with, the site's and the feedback pages'.

Autoescaping is on for every template: agency text is untrusted. ``tojson`` writes JSON
(the pages' JSON-LD) with sorted keys and characters as they are, escaping only what
could end a ``<script>`` block.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from pathlib import Path
from typing import Any, cast

import markupsafe
from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template, meta, nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.environment import TemplateModule
from jinja2.nodes import Expr
from jinja2.runtime import Context, Macro
from jinja2.utils import missing
from markupsafe import Markup, escape


def _escape_str(s: str, /) -> str:
    """``escape``'s characters as a str (for a markupsafe without its inner function)."""
    return str(escape(s))


# markupsafe's own escaping of a str (C), which ``escape`` wraps in a Markup object.
_escape_inner: Callable[[str], str] = getattr(markupsafe, "_escape_inner", _escape_str)

SITE_TEMPLATES = Path(__file__).resolve().parents[2] / "site_templates"


# What ``getattr`` finds on a plain dict: any other name is one of its keys or nothing.
_DICT_NAMES = frozenset(dir(dict))


def _output_escape(value: Any) -> str:
    """``escape(value)``'s characters, for a ``{{ ... }}`` written out in an autoescaped template.

    What a template writes out is only joined into the page (or a macro's text, made Markup
    whole), so a str's escaped text needs no Markup object of its own; there are millions.
    """
    kind = type(value)
    if kind is str:
        return _escape_inner(value)
    if kind is Markup:  # a macro's text, already safe: ``escape`` would copy it
        return cast(Markup, value)
    return escape(value)


class PlainCallable:
    """A callable that templates call as it is: never given the context or environment first.

    (Jinja's ``pass_context`` and its kin mark a function that wants one; a subclass carries no mark.)
    """


class _Context(Context):
    """Jinja's context, calling a macro or a ``PlainCallable`` (the words ``t``) without asking each
    time whether it wants the context: over a million calls in a city's build."""

    def call(self, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        """What Jinja's ``Context.call`` gives."""
        plain = type(obj) is Macro or isinstance(obj, PlainCallable)  # a bool: ``obj`` stays Any
        if not plain:
            return super().call(obj, *args, **kwargs)
        # What Jinja passes for a callable that takes the context, not this one: almost every
        # call carries exactly one of them, and is then made without touching the dict.
        if len(kwargs) == 1 and ("_block_vars" in kwargs or "_loop_vars" in kwargs):
            kwargs = {}
        elif kwargs:
            kwargs.pop("_block_vars", None)
            kwargs.pop("_loop_vars", None)
        try:
            if (not kwargs and type(obj) is Macro and len(args) == obj._argument_count
                    and not (obj.caller or obj.catch_kwargs or obj.catch_varargs or obj._environment.is_async)):
                # What ``Macro.__call__`` gives for a macro given all its arguments by position, with
                # neither ``caller``, ``varargs`` nor ``kwargs`` (a page's tags and links: hundreds of
                # thousands of calls at a city's size), without its sorting out of the arguments.
                text = obj._func(*args)
                return Markup(text) if obj._default_autoescape else text
            return obj(*args, **kwargs)
        except StopIteration:
            return self.environment.undefined("value was undefined because a callable raised a"
                                              " StopIteration exception")


class _CodeGenerator(CodeGenerator):
    """Jinja's compiler, writing ``{{ ... }}`` out through ``_output_escape`` instead of ``escape``."""

    def _output_child_pre(self, node: Expr, frame: Frame, finalize: Any) -> None:
        """The code before an output expression (Jinja's own when autoescaping is not fixed on)."""
        if frame.eval_ctx.volatile or not frame.eval_ctx.autoescape:
            super()._output_child_pre(node, frame, finalize)
            return
        self.write("environment.output_escape(")
        if finalize.src is not None:
            self.write(finalize.src)


# What the body of a template of macros may hold for its module to be reused (``_Template``):
# macro definitions, imports and the text between them; nothing that keeps a value of its own.
_MACRO_FILE_NODES = (nodes.Macro, nodes.Import, nodes.FromImport, nodes.Output)
_MODULES_KEPT = 1024  # modules of macros an environment keeps at most (a site build makes a few)


class _Template(Template):
    """Jinja's template, whose module imported with context is made once per values it reads.

    ``{% import "_tags.html" as m with context %}`` runs the imported template again for each
    page, though its macros read nothing of the page's context but the few names they use
    (the words ``t``...). The module is the same for equal values of those names, so it is made
    once for them and reused; see ``_Environment.free_names`` for which templates qualify.
    """

    environment: _Environment

    def make_module(self, vars: dict[str, Any] | None = None, shared: bool = False,  # noqa: A002
                    locals: Any = None) -> TemplateModule:  # noqa: A002 - Jinja's own names
        """Jinja's ``make_module``, the module reused when the values of its free names repeat."""
        names = self.environment.free_names(self.name) if self.name else None
        if names is None or vars is None:
            return super().make_module(vars, shared, locals)
        own = {} if locals is None else locals
        values = tuple((name, own[name] if own.get(name, missing) is not missing else vars.get(name, missing))
                       for name in names)
        key = (self.name, shared, values)
        try:
            module = self.environment.modules.get(key)
        except TypeError:  # a value that cannot be a key: made each time, as Jinja does
            return super().make_module(vars, shared, locals)
        if module is None:
            if len(self.environment.modules) >= _MODULES_KEPT:  # a long-lived environment (the intake
                self.environment.modules.clear()  # service's) whose names take ever new values
            module = self.environment.modules[key] = super().make_module(vars, shared, locals)
        return module


class _Environment(Environment):
    """Jinja's environment, reading ``x.name`` of a plain dict without raising an AttributeError first,
    and writing out ``{{ ... }}`` without a Markup object for each (``_output_escape``)."""

    code_generator_class = _CodeGenerator
    context_class = _Context
    template_class = _Template

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Template -> the names its module reads from the context (None: made anew each time).
        self._free: dict[str, tuple[str, ...] | None] = {}
        self.modules: dict[tuple[Any, ...], TemplateModule] = {}  # ``_Template.make_module``'s
        self._loaded: dict[str, Template] = {}  # ``get_template``'s while templates are not reloaded

    def get_template(self, name: str | Template, parent: str | None = None,
                     globals: MutableMapping[str, Any] | None = None) -> Template:  # noqa: A002 - Jinja's name
        """Jinja's ``get_template``; while templates are not reloaded (``auto_reload`` off, as a site
        build sets it), one loaded is taken from a plain dict. Jinja's cache is an LRU behind a lock,
        asked for each page's template, its base and its imports: 100,000 times in a city's build."""
        if globals is not None or self.auto_reload or type(name) is not str:
            return super().get_template(name, parent, globals)
        if parent is not None:
            name = self.join_path(name, parent)
        template = self._loaded.get(name)
        if template is None:
            template = self._loaded[name] = super().get_template(name)
        return template

    def free_names(self, name: str) -> tuple[str, ...] | None:
        """The context names a template of macros reads, with those of the templates it imports
        or includes with context; None when its module may not be reused.

        Reused only for a template whose body is macros and imports (no value of its own that a
        page could change), that extends nothing and names every template it loads.
        """
        if name not in self._free:
            self._free[name] = None  # a template importing itself, however deep: not reused
            self._free[name] = self._find_free(name)
        return self._free[name]

    def _find_free(self, name: str) -> tuple[str, ...] | None:
        """``free_names`` worked out from the template's source."""
        assert self.loader is not None
        source, _, _ = self.loader.get_source(self, name)
        tree = self.parse(source, name)
        if not all(isinstance(node, _MACRO_FILE_NODES) for node in tree.body):
            return None
        found = set(meta.find_undeclared_variables(tree))
        if any(True for _ in tree.find_all(nodes.Extends)):
            return None
        for node in tree.find_all((nodes.Include, nodes.Import, nodes.FromImport)):
            assert isinstance(node, (nodes.Include, nodes.Import, nodes.FromImport))
            if not isinstance(node.template, nodes.Const):
                return None
            if isinstance(node, nodes.Include) or node.with_context:
                more = self.free_names(node.template.value)
                if more is None:
                    return None
                found.update(more)
        return tuple(sorted(found))
    output_escape = staticmethod(_output_escape)

    def getattr(self, obj: Any, attribute: str) -> Any:
        """What Jinja's ``getattr`` gives (the attribute, else the item, else undefined).

        The pages' contexts are dicts, read as ``row.name`` millions of times in a city's build;
        Jinja tries the attribute first, which a dict lacks unless the name is one of its own
        methods, and each miss raises and catches an AttributeError.
        """
        if type(obj) is dict and attribute not in _DICT_NAMES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)


def environment(folder: Path) -> Environment:
    """A strict, autoescaping environment over the templates in ``folder``."""
    env = _Environment(
        loader=FileSystemLoader(str(folder)), autoescape=True, undefined=StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )
    env.policies["json.dumps_kwargs"] = {"sort_keys": True, "ensure_ascii": False}
    return env
