"""Distribution: publish once, deliver to every channel, see what each brought back."""
