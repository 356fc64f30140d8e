"""Staff dashboard: counts and review times over a period, drawn as server-side SVG charts."""
