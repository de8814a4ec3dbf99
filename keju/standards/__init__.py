"""Pure checks of Chinese national code standards (no Django)."""
