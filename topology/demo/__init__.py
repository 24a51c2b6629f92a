"""Synthetic Calipso exports: a demo OpenStack environment for ``make run``, tests and benches."""

from topology.demo.generator import (
    EXPORT_STYLES,
    FAKE_SECRETS,
    DemoShape,
    count_objects,
    encode_keys,
    generate,
    generate_cloud,
    shape_for_objects,
    write_export,
)

__all__ = [
    "EXPORT_STYLES",
    "FAKE_SECRETS",
    "DemoShape",
    "count_objects",
    "encode_keys",
    "generate",
    "generate_cloud",
    "shape_for_objects",
    "write_export",
]
