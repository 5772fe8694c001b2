"""The consultation as open data: anonymised CSV and JSON exports, the Atom feed."""
