"""Monitoring: mentions, sentiment, ingest, rules and detection (inside the incidents app)."""
