"""The one Jinja2 environment every HTML page is rendered with, the site's and the feedback pages'.

Autoescaping is on for every template: agency text is untrusted. ``tojson`` writes JSON
(the pages' JSON-LD) with sorted keys and characters as they are, escaping only what
could end a ``<script>`` block.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, MutableMapping
from keyword import iskeyword
from pathlib import Path
from typing import Any, cast

import markupsafe
from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template, meta, nodes
from jinja2.compiler import CodeGenerator, Frame, optimizeconst
from jinja2.environment import TemplateModule
from jinja2.nodes import Expr
from jinja2.runtime import Context, Macro
from jinja2.utils import missing
from markupsafe import Markup, escape

from pipeline.core.paths import SITE_TEMPLATES as SITE_TEMPLATES  # re-exported: the site, feedback and intake use it


def _escape_str(s: str, /) -> str:
    """``escape``'s characters as a str (for a markupsafe without its inner function)."""
    return str(escape(s))


# markupsafe's own escaping of a str (C), which ``escape`` wraps in a Markup object.
_escape_inner: Callable[[str], str] = getattr(markupsafe, "_escape_inner", _escape_str)


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
    A template calls one directly (``_CodeGenerator.visit_Call``), so it must not raise StopIteration
    for Jinja to turn into an undefined value (none of ours does).
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _PLAIN_TYPES.add(cls)


# Every subclass of PlainCallable: the compiled templates call an object of one of these types
# directly, by its exact type (one ``type(x) in set`` test instead of ``Context.call``).
_PLAIN_TYPES: set[type] = set()


class Words(PlainCallable):
    """A PlainCallable whose call with one key alone is ``self.words[key]`` (the words ``t("key")``):
    the compiled templates read that item instead of calling it (``_CodeGenerator.visit_Call``), so
    ``words`` must give for a key exactly what the call gives, and fail alike for a missing one."""

    words: Mapping[str, str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _WORD_TYPES.add(cls)


# Every subclass of Words: read, not called, for one key alone.
_WORD_TYPES: set[type] = set()


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
    """Jinja's compiler, writing ``{{ ... }}`` out through ``_output_escape`` instead of ``escape`` (a str
    escaped in place), calling the words directly and reading a dict's item without a call."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # For each output expression being written: the name its value is held in while a str is
        # escaped in place (``_output_child_pre``), None when Jinja's own code or ``output_escape`` is.
        self._escaping: list[str | None] = []

    def _output_child_pre(self, node: Expr, frame: Frame, finalize: Any) -> None:
        """The code before an output expression (Jinja's own when autoescaping is not fixed on).

        A str (most values) is escaped by markupsafe's C function written in the template's code;
        anything else goes through ``_output_escape``: a Python call for each of millions of values less."""
        if frame.eval_ctx.volatile or not frame.eval_ctx.autoescape:
            self._escaping.append(None)
            super()._output_child_pre(node, frame, finalize)
            return
        if finalize.src is not None:
            self._escaping.append(None)
            self.write("environment.output_escape(")
            self.write(finalize.src)
            return
        value = self.temporary_identifier()
        self._escaping.append(value)
        self.write(f"(environment.escape_str({value}) if type({value} := ")

    def _output_child_post(self, node: Expr, frame: Frame, finalize: Any) -> None:
        """The code after an output expression (``_output_child_pre``)."""
        value = self._escaping.pop()
        if value is None:
            super()._output_child_post(node, frame, finalize)
            return
        self.write(f") is str else environment.output_escape({value}))")

    @optimizeconst
    def visit_Getattr(self, node: nodes.Getattr, frame: Frame) -> None:
        """Jinja's ``x.name``, except that the item of a plain dict (the pages' contexts: millions of
        reads) is read in the template's code; anything else through ``_Environment.getattr``."""
        if self.environment.is_async or node.attr in _DICT_NAMES:
            super().visit_Getattr(node, frame)
            return
        value = self.temporary_identifier()
        self.write(f"({value}[{node.attr!r}] if type({value} := ")
        self.visit(node.node, frame)
        self.write(f") is dict and {node.attr!r} in {value} else environment.getattr({value}, {node.attr!r}))")

    def visit_Call(self, node: nodes.Call, frame: Frame, forward_caller: bool = False) -> None:
        """Jinja's call, except that a ``PlainCallable`` (the words ``t(...)``: a million calls in a city's
        build) is called directly, without ``Context.call`` and its block variables' dict; anything
        else goes through ``Context.call`` as Jinja's code does. The callee is evaluated once, first,
        then the arguments, in one branch or the other."""
        simple = not (forward_caller or node.dyn_args or node.dyn_kwargs or self.environment.is_async
                      or self.environment.sandboxed or any(iskeyword(kw.key) for kw in node.kwargs))
        if not simple:
            super().visit_Call(node, frame, forward_caller=forward_caller)
            return
        callee = self.temporary_identifier()
        key = node.args[0] if len(node.args) == 1 and not node.kwargs else None
        if isinstance(key, nodes.Const) and type(key.value) is str:
            # One key alone (``t("nav.home")``, most calls of the words): their item, no call at all.
            self.write(f"({callee}.words[{key.value!r}] if type({callee} := ")
            self.visit(node.node, frame)
            self.write(f") in environment.word_types else {callee}(")
        else:
            self.write(f"({callee}(")
        for i, arg in enumerate([*node.args, *node.kwargs]):
            if i:
                self.write(", ")
            self.visit(arg, frame)
        if isinstance(key, nodes.Const) and type(key.value) is str:
            self.write(f") if type({callee}) in environment.plain_types else context.call({callee}")
        else:
            self.write(f") if type({callee} := ")
            self.visit(node.node, frame)
            self.write(f") in environment.plain_types else context.call({callee}")
        extra = {"_loop_vars": "_loop_vars"} if frame.loop_frame else {}
        if frame.block_frame:
            extra["_block_vars"] = "_block_vars"
        self.signature(node, frame, extra or None)
        self.write("))")

    def visit_For(self, node: nodes.For, frame: Frame) -> None:
        """Jinja's loop, except that in a template's own function (a page, a block) its output is
        gathered in a list and yielded once, joined, after it: each yield of each turn passed through
        every block's and base template's generator on its way to the page's join. (A macro's loop
        writes into the macro's buffer already; a recursive loop is Jinja's own.)"""
        if frame.buffer is not None or frame.require_output_check or node.recursive or self.environment.is_async:
            super().visit_For(node, frame)
            return
        buffer = self.temporary_identifier()
        self.writeline(f"{buffer} = []")
        frame.buffer = buffer  # the loop's frames are made from this one, and write into the list
        try:
            super().visit_For(node, frame)
        finally:
            frame.buffer = None
        self.writeline(f"yield concat({buffer})")

    def visit_Output(self, node: nodes.Output, frame: Frame) -> None:
        """Jinja's output, except that a run of text and expressions in a template's own function
        (not a macro's buffer) is yielded as one joined string instead of one ``yield`` each: every
        yield passes through each block's and the base template's generator before the page's join."""
        if frame.buffer is not None or frame.require_output_check:
            super().visit_Output(node, frame)
            return
        finalize = self._make_finalize()
        body: list[list[Any] | nodes.Expr] = []
        for child in node.nodes:  # constants folded at compile time, as Jinja folds them
            try:
                if not (finalize.const or isinstance(child, nodes.TemplateData)):
                    raise nodes.Impossible()
                const = self._output_child_to_const(child, frame, finalize)
            except Exception:  # noqa: BLE001 - Jinja's own rule: any failure is left to run time, named there
                body.append(child)
                continue
            if body and isinstance(body[-1], list):
                body[-1].append(const)
            else:
                body.append([const])
        if len(body) < 2:
            super().visit_Output(node, frame)
            return
        self.writeline("yield concat((")
        self.indent()
        for item in body:
            if isinstance(item, list):
                self.writeline(self._output_const_repr(item) + ",")
            else:
                self.newline(item)
                self._output_child_pre(item, frame, finalize)
                self.visit(item, frame)
                self._output_child_post(item, frame, finalize)
                self.write(",")
        self.outdent()
        self.writeline("))")


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
        # Given every template's free names once new ones were worked out (``free_names``), to keep them.
        self.found_free: Callable[[dict[str, tuple[str, ...] | None]], None] | None = None
        self._finding = 0  # ``free_names`` calls under way (one template's imports are worked out inside it)
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
            self._finding += 1
            try:
                self._free[name] = self._find_free(name)
            finally:
                self._finding -= 1
            if not self._finding and self.found_free is not None:  # complete: no import left half worked out
                self.found_free(dict(self._free))
        return self._free[name]

    def known_free(self, names: Mapping[str, tuple[str, ...] | None]) -> None:
        """Take the free names an earlier build worked out of these very templates with this code (parsing the
        templates of macros again cost each language's process 0.1 s of a build that renders a few pages)."""
        self._free.update(names)

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
    escape_str = staticmethod(_escape_inner)  # a str's escaped text (``_CodeGenerator._output_child_pre``)
    word_types = _WORD_TYPES  # the types whose item the compiled templates read for one key (``Words``)
    plain_types = _PLAIN_TYPES  # the types the compiled templates call directly (``_CodeGenerator.visit_Call``)

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


FreeNames = dict[str, tuple[str, ...] | None]  # template -> the context names its module reads (None: not reused)


def keep_free_names(env: Environment, known: FreeNames, found: Callable[[FreeNames], None]) -> None:
    """Give an environment of ``environment`` the free names worked out of its templates before (``known``)
    and ``found``, called with all of them whenever it works out new ones."""
    if isinstance(env, _Environment):
        env.known_free(known)
        env.found_free = found


def environment(folder: Path) -> Environment:
    """A strict, autoescaping environment over the templates in ``folder``."""
    env = _Environment(
        loader=FileSystemLoader(str(folder)), autoescape=True, undefined=StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )
    env.policies["json.dumps_kwargs"] = {"sort_keys": True, "ensure_ascii": False}
    return env
