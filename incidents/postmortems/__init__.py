"""Post-mortems: drafted when an incident resolves, reviewed, exported (inside the incidents app)."""
