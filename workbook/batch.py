"""Batch runs (being written)."""


def add_arguments(parser):
    parser.add_argument("--country", action="append", default=[])
    parser.add_argument("--all", action="store_true")


def main(args):
    raise NotImplementedError
