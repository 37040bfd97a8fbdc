"""Renderers: turn an Answer, a SourceView or a document list into output for one surface."""
