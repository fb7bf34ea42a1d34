"""The holiday watch ("Opération Tranquillité Vacances", OTV) at HQ: basemap packages and
road graphs built from OpenStreetMap, registrations of homes, visits, alerts, citizen
notifications and reports. See docs/holiday-watch.md."""
