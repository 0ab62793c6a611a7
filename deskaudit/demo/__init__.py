"""The demo site's scripted history: a pure model of a desk's day, and the seeding that writes it."""
