"""Publishing: dashboards' data snapshots, the quarterly bulletin and annual report (PDF, DOCX), open data."""
