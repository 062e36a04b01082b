"""Running Kloutbot as a service: health and metrics on PORT, JSON logs, graceful stop."""
