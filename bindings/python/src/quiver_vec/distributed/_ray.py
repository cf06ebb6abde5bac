"""Ray, imported only when a sharded index is built or served."""

from __future__ import annotations


def import_ray():
    try:
        import ray
    except ImportError:
        raise ImportError(
            "quiver_vec.distributed needs Ray: pip install 'quiver-vec[ray]' (or pip install ray)"
        ) from None
    if not ray.is_initialized():
        raise RuntimeError(
            "Ray is not initialized: call ray.init() (or ray.init(address=...) to join a "
            "cluster) before building or opening a sharded index"
        )
    return ray


def cause_of(error: BaseException) -> BaseException:
    """The exception a remote call raised, rather than Ray's wrapper around it."""
    cause = getattr(error, "cause", None)
    return cause if isinstance(cause, BaseException) else error


def short(error: BaseException) -> str:
    """The first line of an error, for messages that name several shards."""
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}"
