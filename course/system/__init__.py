"""Host-side set-up: Debian packages and processes the course starts itself."""
