"""The type stubs and docstrings cover the whole public API."""

from __future__ import annotations

import ast
import inspect
import pathlib

import quiver_vec as qv

STUB = pathlib.Path(qv.__file__).with_name("_core.pyi")


def stub_members():
    tree = ast.parse(STUB.read_text())
    classes, functions = {}, set()
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            classes[node.name] = {n.name for n in node.body if isinstance(n, ast.FunctionDef)}
        elif isinstance(node, ast.FunctionDef):
            functions.add(node.name)
    return classes, functions


def public(cls):
    return {n for n in vars(cls) if not n.startswith("_")}


def test_stub_matches_the_extension():
    classes, functions = stub_members()
    assert public(qv.Index) == {n for n in classes["Index"] if not n.startswith("_")}
    assert public(qv.Embedder) == {n for n in classes["Embedder"] if not n.startswith("_")}
    assert {"__init__", "__len__", "__contains__", "__enter__", "__exit__"} <= classes["Index"]
    assert functions == {"version", "version_number", "status_name"}


def test_every_public_call_has_a_docstring():
    for cls in (qv.Index, qv.Embedder):
        assert cls.__doc__
        for name in public(cls):
            assert inspect.getdoc(getattr(cls, name)), f"{cls.__name__}.{name} has no docstring"
    for name in qv.__all__:
        obj = getattr(qv, name)
        if callable(obj):
            assert inspect.getdoc(obj), name


def test_package_is_typed():
    assert STUB.with_name("py.typed").exists()
