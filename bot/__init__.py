"""citebot's adapters: the command line, the config file, the Discord bot and the renderers."""

from importlib import metadata

try:
    __version__ = metadata.version("citebot")
except metadata.PackageNotFoundError:  # run from a checkout that was never installed
    __version__ = "0+unknown"
