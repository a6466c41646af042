"""Local servers that speak external services' documented wire formats over real HTTP."""
