"""The screens' parts: colours (Kivy-free), widgets and the track (Kivy)."""
