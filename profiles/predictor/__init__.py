"""The prediction fast path of the profiles app, on the engine's compiled model.

- ``fields``: document 004 section 8's rules for its five customer fields, written once (the
  checks below and the CustomerProfile model's validators read them);
- ``checks``: one record or a batch checked into the columns the model reads, or refused with
  every bad field named;
- ``model``: a run's compiled model (``clustering.engine.load_model``) with the request names of
  its features (document 004's aliases from the dataset's roles);
- ``cache``: compiled models kept per process, valid for one published version.

Import from the submodules: this package's ``__init__`` stays empty so that ``profiles.models``
can read the field rules without loading the rest.
"""
