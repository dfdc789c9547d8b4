"""Migue, the assistant that answers citizens' questions from the public guide of procedures.

``text`` turns Spanish into search terms (accents, plurals, stems, synonyms); ``index`` ranks the
guide's procedures for a question with BM25 over the deployed manifests, rebuilt when a version is
deployed; ``intents`` reads what the person wants to do (file a reclamo, follow one, book an
appointment, talk to a person) and which part of a procedure they ask about; ``answers`` writes the
reply from the guide's own words, always with its source; ``phrasing`` lets an optional language
model reword that reply, from the retrieved passages only. Nothing here keeps the conversation.
"""
