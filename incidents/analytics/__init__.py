"""Analytics: the dashboard and analytics reads (inside the incidents app)."""
