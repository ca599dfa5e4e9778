"""Modal dialogs: each a `ModalScreen[T]` that dismisses its result."""
