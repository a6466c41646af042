"""Notifications: email and signed webhooks, SLA escalation, the task outbox (inside the incidents app)."""
