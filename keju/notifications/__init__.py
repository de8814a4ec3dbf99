"""In-app notifications (and email when configured): deadlines, returned forms, red warnings, publications."""
