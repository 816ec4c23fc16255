"""What IMR-KG tells people: evaluations as text/JSON/Turtle, HTML audit reports, coverage."""
