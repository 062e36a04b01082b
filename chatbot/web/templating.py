"""Jinja2 for the pages: autoescaped, translated through the catalogs.

Templates call `_()` and `ngettext()` (Jinja2's i18n extension, new style): the
sentence is looked up in the viewer's language and its `%(name)s` placeholders are
filled, and escaped, by Jinja2. The translator comes from each render's context, so
one environment serves every language at once.
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, pass_context, select_autoescape
from jinja2.runtime import Context as TemplateContext

from chatbot.i18n import Translator
from chatbot.influence.networks.registry import network_label


@pass_context
def _gettext(context: TemplateContext, message: str) -> str:
    translator: Translator = context["tr"]
    return translator._(message)


@pass_context
def _ngettext(context: TemplateContext, singular: str, plural: str, count: int) -> str:
    translator: Translator = context["tr"]
    return translator.n_(singular, plural, count)


def build_environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("chatbot.web", "templates"),
        autoescape=select_autoescape(("html",), default_for_string=True, default=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        # Templates ship with the package and never change while it runs: no stat per page.
        auto_reload=False,
    )
    environment.install_gettext_callables(  # type: ignore[attr-defined]
        _gettext, _ngettext, newstyle=True)
    environment.globals["network_label"] = network_label
    return environment


def render(environment: Environment, name: str, tr: Translator, **values: Any) -> str:
    return environment.get_template(name).render(tr=tr, **values)
