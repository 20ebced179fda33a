"""The PetaSinyal survey app. Logic modules (outbox, recorder, sync, sensors) import no Kivy;
the UI lives in ``app.py`` and ``.kv`` files."""
