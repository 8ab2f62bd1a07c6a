"""What changed, told as it happens: the console's live views."""
