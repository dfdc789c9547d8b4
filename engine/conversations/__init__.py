"""Conversations: people who write to the city by a messaging channel (WhatsApp), kept as personal data.

``models`` keeps each conversation, its messages and the cases it started; ``inbound`` takes a
connector's conversation notice (``POST /hooks/<connector>``) and runs ``dialogue``, the guided
reclamo in Spanish and Migue's answers; ``outbound`` writes the replies into the outbox, as free
text inside the 24-hour customer-service window and as an approved template outside it;
``statuses`` records what the provider says of each reply; ``handoff`` hands a conversation to
Atención al Vecino as a task with its transcript and sends the staff's reply; ``answers`` pushes
the answer of a reclamo the conversation started and asks for its rating; ``retention`` forgets
conversations after ``CONVERSATION_RETENTION_DAYS``. No message content is ever logged.
"""
