"""The records that travel through the zoo: architectures and families, weight tags, training recipes,
model identities and preprocessing, as plain frozen data.

Internal: the plugin API is :mod:`zoo`, :mod:`zoo.kit` and :mod:`zoo.layers`.
"""
