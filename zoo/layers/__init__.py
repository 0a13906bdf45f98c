"""Keras building blocks shared by the families' builders: heads, and blocks that several families use.

Each block is written once here (timm keeps its blocks in ``timm/layers`` the same way) and
imported by the builders in ``zoo_plugins.nets``; the modules import Keras, so only build
functions import them.
"""
