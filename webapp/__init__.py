"""The web app on its own port: the widget's demo page, the seed passages behind sources,
feedback, and the staff console with its API, search, tracking and review inbox."""
