"""Outcome expressions over result variables, parsed safely (``simshare discover --for "EXPR"``).

An expression compares per-replication result variables (those with the one dimension ``replication``:
``programme_complete_month``, ``reviews_complete_month``, ``npv``, ``npv_services``, ``payback_month``,
``dissolved_month``, ...) with numbers or with each other, and combines comparisons with ``and``, ``or``,
``not`` and parentheses; ``+ - * /`` work on numbers and variables. Nothing else is accepted: the text is
parsed with Python's ``ast`` and only these node kinds are evaluated (no names other than result
variables, no calls, no attributes), so no code in it can run.

A month variable that is NaN (not reached within the horizon) counts as later than every month in
``<``, ``<=``, ``>``, ``>=``; ``==`` and ``!=`` compare plain numbers, so ``dissolved_month ==
dissolved_month`` is "the partnership dissolved within the horizon" (NaN equals nothing).
"""

from __future__ import annotations

import ast
import operator
from dataclasses import dataclass
from typing import Mapping

import numpy as np
import xarray as xr

#: the longest expression accepted
MAX_LENGTH = 500
_COMPARE = {ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
            ast.Eq: operator.eq, ast.NotEq: operator.ne}
_ORDERING = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)
_ARITH = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}
_SYMBOL = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!="}


class ExpressionError(ValueError):
    """An expression that cannot be read; the message names the problem."""


@dataclass(frozen=True)
class Outcome:
    """A parsed expression: its text, its syntax tree and the result variables it reads."""

    text: str
    tree: ast.Expression
    variables: tuple[str, ...]

    def evaluate(self, values: Mapping[str, np.ndarray]) -> np.ndarray:
        """True/False per replication, given each variable's values (arrays of one shape)."""
        out = _eval(self.tree.body, values)
        if not isinstance(out, np.ndarray) or out.dtype != bool:
            raise ExpressionError(f"--for {self.text!r}: not a condition (compare with <, <=, >, >=, == or !=)")
        return out

    def simple(self) -> tuple[str, str, float] | None:
        """``(variable, operator, number)`` for an expression of one comparison ``VARIABLE OP NUMBER``."""
        body = self.tree.body
        if (isinstance(body, ast.Compare) and len(body.ops) == 1 and isinstance(body.left, ast.Name)
                and _number(body.comparators[0]) is not None):
            return body.left.id, _SYMBOL[type(body.ops[0])], float(_number(body.comparators[0]))
        return None


def _number(node: ast.AST) -> float | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return float(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _number(node.operand)
        return None if inner is None else -inner
    return None


def variables_of(ds: xr.Dataset) -> list[str]:
    """The result variables an expression may name: those with the single dimension ``replication``."""
    return sorted(str(v) for v in ds.data_vars if ds[v].dims == ("replication",))


def parse_outcome(text: str, known: list[str]) -> Outcome:
    """Parse ``text``; ExpressionError naming the problem (syntax, a construct not allowed, unknown
    variables with the known ones listed)."""
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError("--for: the expression is empty (e.g. \"programme_complete_month > 60\")")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"--for: the expression is {len(text)} characters long; at most {MAX_LENGTH}")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as err:
        raise ExpressionError(f"--for {text!r}: not a valid expression ({err.msg}); e.g. "
                              "\"programme_complete_month > 60\" or \"npv_services < 0 and payback_month > 48\"") from None
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            names.append(node.id)
        elif not isinstance(node, _ALLOWED):
            raise ExpressionError(f"--for {text!r}: {type(node).__name__.lower()} is not allowed (only result "
                                  "variables, numbers, + - * /, comparisons, and/or/not and parentheses)")
        elif isinstance(node, ast.Constant) and (isinstance(node.value, bool) or not isinstance(node.value, (int, float))):
            raise ExpressionError(f"--for {text!r}: {node.value!r} is not a number")
    unknown = sorted(set(n for n in names if n not in known))
    if unknown:
        raise ExpressionError(f"--for {text!r}: unknown variable{'s' if len(unknown) > 1 else ''} "
                              f"{', '.join(unknown)} (variables: {', '.join(known)})")
    if not names:
        raise ExpressionError(f"--for {text!r}: names no result variable (variables: {', '.join(known)})")
    return Outcome(text.strip(), tree, tuple(dict.fromkeys(names)))


_ALLOWED = (ast.Expression, ast.Compare, ast.BoolOp, ast.UnaryOp, ast.BinOp, ast.Name, ast.Load, ast.Constant,
            ast.And, ast.Or, ast.Not, ast.USub, ast.UAdd, *_COMPARE, *_ARITH)


def _later(x):
    """NaN months as +inf: later than every month (for ordering comparisons)."""
    return np.where(np.isnan(x), np.inf, x) if isinstance(x, np.ndarray) else x


def _eval(node: ast.AST, values: Mapping[str, np.ndarray]):
    if isinstance(node, ast.Name):
        return np.asarray(values[node.id], dtype=float)
    if isinstance(node, ast.Constant):
        return float(node.value)
    if isinstance(node, ast.UnaryOp):
        inner = _eval(node.operand, values)
        if isinstance(node.op, ast.Not):
            return ~_condition(inner)
        return -inner if isinstance(node.op, ast.USub) else inner
    if isinstance(node, ast.BinOp):
        with np.errstate(divide="ignore", invalid="ignore"):
            return _ARITH[type(node.op)](_eval(node.left, values), _eval(node.right, values))
    if isinstance(node, ast.BoolOp):
        parts = [_condition(_eval(v, values)) for v in node.values]
        return np.logical_and.reduce(parts) if isinstance(node.op, ast.And) else np.logical_or.reduce(parts)
    if isinstance(node, ast.Compare):
        left, out = _eval(node.left, values), None
        for op, right_node in zip(node.ops, node.comparators):
            right = _eval(right_node, values)
            a, b = (_later(left), _later(right)) if isinstance(op, _ORDERING) else (left, right)
            with np.errstate(invalid="ignore"):
                this = np.asarray(_COMPARE[type(op)](a, b), dtype=bool)
            out = this if out is None else out & this
            left = right
        return out
    raise ExpressionError(f"{type(node).__name__} is not allowed")


def _condition(x) -> np.ndarray:
    if not isinstance(x, np.ndarray) or x.dtype != bool:
        raise ExpressionError("and, or and not join comparisons (e.g. \"npv < 0 and payback_month > 48\")")
    return x


__all__ = ["Outcome", "ExpressionError", "parse_outcome", "variables_of", "MAX_LENGTH"]
