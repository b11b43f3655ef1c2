"""The archive stage: names, layout, journal, durable writes and reports."""
