"""Report pages: the dashboard, the segment explorer and exports (templates/reports/). The other
analyst pages live with their app (`<app>/pages/`), the shared helpers in `config/pages/`."""
